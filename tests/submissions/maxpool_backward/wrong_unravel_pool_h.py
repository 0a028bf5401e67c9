# mistake: flat arg_max split into (row, col) with pool_h instead of pool_w
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
        # loop over windows, np.add.at into the zero-padded input, crop at the end
        N, C, H, W = self.x.shape
        OH, OW = dout.shape[2], dout.shape[3]
        S, P = self.stride, self.pad
        dxp = np.zeros((N, C, H + 2 * P, W + 2 * P))
        am = self.arg_max.reshape(N, OH, OW, C)
        n_idx = np.arange(N)[:, None]
        c_idx = np.arange(C)[None, :]
        for oh in range(OH):
            for ow in range(OW):
                k = am[:, oh, ow, :]                 # (N, C): flat index inside the window
                r = oh * S + k // self.pool_h
                c = ow * S + k % self.pool_h
                np.add.at(dxp, (n_idx, c_idx, r, c), dout[:, :, oh, ow])
        return dxp[:, :, P:P + H, P:P + W]
        ########## End ##########
