# mistake: dout was flattened in its own (n, c, y, x) order, but the rows of the window matrix (and self.arg_max) are ordered (n, y, x, c); use dout.transpose(0, 2, 3, 1) first
# catch: a case with C > 1
import numpy as np
from utils import im2col, col2im


class MaxPool:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        r'''
        Set up a max-pooling layer.

        Parameters
        - pool_h: int, window height
        - pool_w: int, window width
        - stride: int, step between two windows
        - pad: int, zero padding added on every side of H and W
        '''
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None
        self.arg_max = None

    def forward(self, x):
        r'''
        Forward pass.

        Parameters
        - x: numpy.ndarray of shape (B, C, H, W)
        Returns
        - out: numpy.ndarray of shape (B, C, H', W') with
               H' = (H + 2P - pool_h) // S + 1
               W' = (W + 2P - pool_w) // S + 1
        '''
        N, C, H, W = x.shape
        out_h = int(1 + (H - self.pool_h + 2 * self.pad) / self.stride)
        out_w = int(1 + (W - self.pool_w + 2 * self.pad) / self.stride)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
        self.x = x
        self.arg_max = arg_max
        return out

    def backward(self, dout):
        r'''
        Backward pass.

        Parameters
        - dout: numpy.ndarray of shape (B, C, H', W'), the gradient of the
                loss with respect to this layer's output
        Returns
        - dx: numpy.ndarray of shape (B, C, H, W)
        '''
        ########## Begin ##########
        N, C, H, W = self.x.shape
        window = self.pool_h * self.pool_w
        dwin = np.zeros((dout.size, window))
        dwin[np.arange(dout.size), self.arg_max.ravel()] = dout.ravel()
        dx = col2im(dwin.reshape(-1, C * window), self.x.shape, self.pool_h, self.pool_w,
                    self.stride, self.pad)
        return dx
        ########## End ##########
