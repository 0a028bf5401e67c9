# mistake: the stride is ignored: output size and im2col as if stride were 1
import numpy as np
from utils import im2col


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        r'''
        Set up a convolution layer.

        Parameters
        - W: numpy.ndarray of shape (C_out, C_in, K_h, K_w), the filters
        - b: numpy.ndarray of shape (C_out,), one bias per filter
        - stride: int, step between two windows
        - pad: int, zero padding added on every side of H and W
        '''
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        r'''
        Forward pass.

        Parameters
        - x: numpy.ndarray of shape (B, C, H, W)
        Returns
        - out: numpy.ndarray of shape (B, C', H', W') with
               H' = (H + 2P - Kh) // S + 1
               W' = (W + 2P - Kw) // S + 1
        '''
        ########## Begin ##########
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = H + 2 * self.pad - FH + 1
        out_w = W + 2 * self.pad - FW + 1
        col = im2col(x, FH, FW, 1, self.pad)
        out = col @ self.W.reshape(FN, -1).T + self.b
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)
        ########## End ##########
