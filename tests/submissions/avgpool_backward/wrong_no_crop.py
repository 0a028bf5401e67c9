# mistake: returns the gradient of the padded input (no crop)
import numpy as np
from utils import im2col, col2im


class AvgPool:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        r'''
        Set up an average-pooling layer.

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
        out_h = (H + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (W + 2 * self.pad - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        out = np.mean(col, axis=1)
        out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
        self.x = x
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
        S, P = self.stride, self.pad
        share = dout / (self.pool_h * self.pool_w)
        dxp = np.zeros((N, C, H + 2 * P, W + 2 * P))
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                dxp[:, :, i * S:i * S + self.pool_h, j * S:j * S + self.pool_w] += share[:, :, i:i + 1, j:j + 1]
        return dxp
        ########## End ##########
