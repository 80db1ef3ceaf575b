package io.nnviz.api.attribution;

/** Gauss-Legendre nodes and weights on [0, 1], for the path integrals of Integrated Gradients. */
final class Quadrature {
    private Quadrature() {
    }

    /**
     * The {@code n} nodes ({@code [0]}) and weights ({@code [1]}) of Gauss-Legendre quadrature on
     * [0, 1]: the roots of the Legendre polynomial P_n, found by Newton's method from Chebyshev
     * guesses, and their weights 2 / ((1 - x^2) P_n'(x)^2), both mapped from [-1, 1].
     */
    static double[][] gaussLegendre(int n) {
        double[] nodes = new double[n], weights = new double[n];
        for (int i = 0; i < n; i++) {
            double x = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (int iter = 0; iter < 100; iter++) {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= n; k++) { // Bonnet's recursion
                    double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
                    p0 = p1;
                    p1 = p2;
                }
                double pn = p1, pn1 = p0; // P_n(x), P_(n-1)(x)
                dp = n * (x * pn - pn1) / (x * x - 1);
                double dx = pn / dp;
                x -= dx;
                if (Math.abs(dx) < 1e-15) {
                    break;
                }
            }
            double w = 2 / ((1 - x * x) * dp * dp);
            nodes[n - 1 - i] = (x + 1) / 2; // ascending on [0, 1]
            weights[n - 1 - i] = w / 2;
        }
        return new double[][] {nodes, weights};
    }
}
