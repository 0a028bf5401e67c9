# mistake: db has the wrong shape: keepdims=True gives (1, M); db must have the shape of b, (M,)
# catch: any case
import numpy as np


class Affine:
    def __init__(self, W, b):
        r'''
        Set up a fully connected (affine) layer: out = x @ W + b.

        Parameters
        - W: numpy.ndarray of shape (D, M), the weights
        - b: numpy.ndarray of shape (M,), the bias
        '''
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        r'''
        Forward pass.

        Parameters
        - x: numpy.ndarray of shape (N, d1, d2, ...), any number of axes
             after the batch axis, with d1 * d2 * ... == D
        Returns
        - out: numpy.ndarray of shape (N, M)
        '''
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = np.dot(self.x, self.W) + self.b
        return out

    def backward(self, dout):
        r'''
        Backward pass.

        Parameters
        - dout: numpy.ndarray of shape (N, M), the gradient of the loss with
                respect to this layer's output
        Returns
        - dx: numpy.ndarray with the shape of the original input x
        Also store
        - self.dW: numpy.ndarray of shape (D, M), like self.W
        - self.db: numpy.ndarray of shape (M,), like self.b
        '''
        ########## Begin ##########
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0, keepdims=True)
        return dx.reshape(*self.original_x_shape)
        ########## End ##########
