# attack: allocates far past the memory limit in several ways (one huge array, huge untouched and touched blocks, a list growing fast), catching each MemoryError but the last
# expect: MLE
# exercise: conv_backward
import numpy as np
from utils import im2col, col2im


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
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

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
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = 1 + int((H + 2 * self.pad - FH) / self.stride)
        out_w = 1 + int((W + 2 * self.pad - FW) / self.stride)
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = np.dot(col, col_W) + self.b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)
        self.x = x
        self.col = col
        self.col_W = col_W

        return out

    def backward(self, dout):
        r'''
        Backward pass.

        Parameters
        - dout: numpy.ndarray of shape (B, C', H', W'), the gradient of the
                loss with respect to this layer's output
        Returns
        - dx: numpy.ndarray of shape (B, C, H, W)
        Also store
        - self.dW: numpy.ndarray of shape (C', C, Kh, Kw), like self.W
        - self.db: numpy.ndarray of shape (C',), like self.b
        '''
        ########## Begin ##########
        import mmap
        hoard = []
        for attempt in (lambda: np.ones((64, 1024, 1024, 8)),             # 4 GB at once
                        lambda: np.empty(1 << 40, dtype=np.uint8),         # 1 TB, never touched
                        lambda: bytearray(8 << 30),                         # 8 GB of bytes
                        lambda: mmap.mmap(-1, 16 << 30),                    # 16 GB anonymous map
                        lambda: [np.zeros(1 << 24) for _ in range(1 << 12)]):   # 512 GB, 128 MB at a time
            try:
                hoard.append(attempt())
            except MemoryError:
                pass
            except OSError:                                  # mmap says ENOMEM as OSError
                pass
        while True:                                         # then a list that grows as fast as it can
            hoard.append(np.empty(1 << 22))                 # 32 MB of address space at a time,
            hoard.append([0] * (1 << 20))                   # and 8 MB it really writes
        ########## End ##########
