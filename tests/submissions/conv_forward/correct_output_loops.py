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
        N, _, H, W = x.shape
        S, P = self.stride, self.pad
        xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
        out_h = (H + 2 * P - FH) // S + 1
        out_w = (W + 2 * P - FW) // S + 1
        out = np.zeros((N, FN, out_h, out_w))
        for n in range(N):
            for f in range(FN):
                for i in range(out_h):
                    for j in range(out_w):
                        window = xp[n, :, i * S:i * S + FH, j * S:j * S + FW]
                        out[n, f, i, j] = np.sum(window * self.W[f]) + self.b[f]
        return out
        ########## End ##########
