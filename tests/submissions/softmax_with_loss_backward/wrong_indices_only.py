# mistake: treats every label as a class index: one-hot rows are used as indices
import numpy as np
from functions import softmax, cross_entropy_error


class SoftmaxWithLoss:
    def __init__(self):
        r'''
        Softmax followed by the cross-entropy loss, as the last layer of a
        classifier.
        '''
        self.loss = None
        self.y = None    # softmax output, (N, C)
        self.t = None    # labels: class indices (N,) or one-hot rows (N, C)

    def forward(self, x, t):
        r'''
        Forward pass.

        Parameters
        - x: numpy.ndarray of shape (N, C), the scores of each class
        - t: numpy.ndarray, the labels: integer class indices of shape (N,),
             or one-hot rows of shape (N, C)
        Returns
        - loss: float, the cross-entropy averaged over the batch
        '''
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        r'''
        Backward pass.

        Parameters
        - dout: the gradient of the final loss with respect to this layer's
                loss; 1 when this layer is the last one
        Returns
        - dx: numpy.ndarray of shape (N, C), the gradient with respect to x
        '''
        ########## Begin ##########
        N = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(N), self.t] -= 1
        return dx / N
        ########## End ##########
