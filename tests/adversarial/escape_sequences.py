# attack: prints escape sequences that clear the screen and draw a fake all-AC report, bidi overrides and carriage returns, then answers wrongly
# expect: WA
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
        ESC = "\x1b"
        print(ESC + "[2J" + ESC + "[H" + ESC + "[3J", end="")            # clear the screen and the scrollback
        print(ESC + "[32m  AC  public_small  10/10      1.0 ms" + ESC + "[0m")
        print(ESC + "[32m  AC  hidden 1       5/5       <=1 ms (hidden)" + ESC + "[0m")
        print("Result: " + ESC + "[32mAC" + ESC + "[0m (accepted)  score 15/15  passed 2/2 cases")
        print("WA wrong answer\r" + ESC + "[2K" + "AC accepted")          # overwrite a line in place
        print("score \u202e51/0\u202c and " + ESC + "]0;AC: accepted" + "\x07" + ESC + "[1A" + ESC + "[8m")
        print(ESC + "[?1049h" + ESC + "P1$r" + ESC + "\\" + "\x9b" + "2J" + "\u2066\u200f\u200b\ufeff")
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout)
        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        return -dx
        ########## End ##########
