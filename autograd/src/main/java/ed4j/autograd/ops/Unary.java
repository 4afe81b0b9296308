package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * Elementwise functions of one variable. Each {@link Kind} states its forward and its derivative
 * side by side, as a derivative table; {@code x} is the input, {@code y} the saved result.
 */
public final class Unary extends Function {

    /** The functions and their derivatives. */
    public enum Kind {
        NEG(false) {
            Tensor forward(Tensor x) {
                return x.neg();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.neg();
            }
        },
        EXP(true) {
            Tensor forward(Tensor x) {
                return x.exp();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(y);
            }
        },
        LOG(false) {
            Tensor forward(Tensor x) {
                return x.log();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.div(x);
            }
        },
        SQRT(true) {
            Tensor forward(Tensor x) {
                return x.sqrt();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.div(y.mul(2.0));
            }
        },
        ABS(false) {
            Tensor forward(Tensor x) {
                return x.abs();
            }

            // NOTE: sign(0) = 0, so |x| has gradient 0 at 0, as in PyTorch.
            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(x.sign());
            }
        },
        SIGMOID(true) {
            Tensor forward(Tensor x) {
                return x.sigmoid();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(y.mul(y.rsub(1.0)));
            }
        },
        TANH(true) {
            Tensor forward(Tensor x) {
                return x.tanh();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(y.square().rsub(1.0));
            }
        },
        RELU(true) {
            Tensor forward(Tensor x) {
                return x.relu();
            }

            // NOTE: the gradient at 0 is 0 (PyTorch masks on result > 0).
            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(y.gt(0.0));
            }
        },
        GELU(false) {
            Tensor forward(Tensor x) {
                return x.gelu();
            }

            Tensor backward(Tensor g, Tensor x, Tensor y) {
                return g.mul(x.geluDerivative());
            }
        };

        private final boolean savesResult;

        Kind(boolean savesResult) {
            this.savesResult = savesResult;
        }

        abstract Tensor forward(Tensor x);

        abstract Tensor backward(Tensor g, Tensor x, Tensor y);
    }

    private final Kind kind;
    private Tensor x;
    private Tensor y;

    private Unary(Kind kind) {
        this.kind = kind;
    }

    public static Variable apply(Kind kind, Variable x) {
        Unary fn = new Unary(kind);
        Tensor y = kind.forward(x.data());
        if (kind.savesResult) {
            fn.y = y;
        } else {
            fn.x = x.data();
        }
        return fn.output(y, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {kind.backward(grad, x, y)};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        y = null;
    }

    @Override
    public String name() {
        return "Unary(" + kind + ")";
    }
}
