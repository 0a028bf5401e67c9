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
        N = x.shape[0]
        out_h = (x.shape[2] + 2 * self.pad - FH) // self.stride + 1
        out_w = (x.shape[3] + 2 * self.pad - FW) // self.stride + 1
        col = im2col(x, FH, FW, stride=self.stride, pad=self.pad).reshape(N, out_h, out_w, -1)
        out = np.einsum("nijk,fk->nfij", col, self.W.reshape(FN, -1))
        return out + self.b[None, :, None, None]
        ########## End ##########
