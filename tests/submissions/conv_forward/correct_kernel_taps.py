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
        out = np.zeros((N, FN, out_h, out_w)) + self.b.reshape(1, FN, 1, 1)
        for ky in range(FH):
            for kx in range(FW):
                patch = xp[:, :, ky:ky + S * out_h:S, kx:kx + S * out_w:S]
                out += np.tensordot(patch, self.W[:, :, ky, kx], axes=([1], [1])).transpose(0, 3, 1, 2)
        return out
        ########## End ##########
