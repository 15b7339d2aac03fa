//! The nearest correlation matrix (Higham 2002, "Computing the nearest
//! correlation matrix — a problem from finance", IMA J. Numer. Anal. 22):
//! alternating projections onto the positive semidefinite matrices and the
//! unit-diagonal matrices, with Dykstra's correction, in the Frobenius norm.
//! Used by `--repair-correlation` to replace a matrix that is not symmetric,
//! not unit-diagonal or not positive definite.

use nalgebra::DMatrix;

/// Smallest eigenvalue kept by the semidefinite projection, so the result is
/// positive definite (Cholesky needs it), not merely semidefinite.
const EIGENVALUE_FLOOR: f64 = 1e-6;

/// The repaired matrix and how far it moved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Repair {
    pub matrix: DMatrix<f64>,
    /// Largest absolute change of an entry.
    pub largest_change: f64,
    /// Frobenius norm of the change.
    pub frobenius_distance: f64,
    pub iterations: usize,
}

/// The correlation matrix nearest to `a` (symmetrized first).
pub(crate) fn nearest_correlation(a: &DMatrix<f64>) -> Repair {
    let n = a.nrows();
    let target = (a + a.transpose()) / 2.0;
    let mut y = target.clone();
    let mut correction = DMatrix::zeros(n, n);
    let mut iterations = 0;
    for _ in 0..1_000 {
        iterations += 1;
        let r = &y - &correction;
        let eigen = r.clone().symmetric_eigen();
        let floored = eigen.eigenvalues.map(|v| v.max(EIGENVALUE_FLOOR));
        let x =
            &eigen.eigenvectors * DMatrix::from_diagonal(&floored) * eigen.eigenvectors.transpose();
        correction = &x - &r;
        let mut next = x;
        for i in 0..n {
            next[(i, i)] = 1.0;
        }
        let change = (&next - &y).norm() / y.norm().max(1e-300);
        y = next;
        if change < 1e-12 {
            break;
        }
    }
    y = (&y + y.transpose()) / 2.0;
    // The unit diagonal may leave the smallest eigenvalue a hair below zero:
    // shrink toward the identity until Cholesky succeeds.
    let identity = DMatrix::<f64>::identity(n, n);
    let mut shrink = 0.0;
    while y.clone().cholesky().is_none() && shrink < 1.0 {
        shrink = if shrink == 0.0 { 1e-9 } else { shrink * 10.0 };
        y = &y * (1.0 - shrink) + &identity * shrink;
    }
    let difference = &y - a;
    Repair {
        largest_change: difference.iter().fold(0.0, |m, v| m.max(v.abs())),
        frobenius_distance: difference.norm(),
        matrix: y,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_higham_s_example() {
        // Higham (2002), section 4: the nearest correlation matrix to
        // [[1,1,0],[1,1,1],[0,1,1]] has off-diagonals 0.7607, 0.1573, 0.7607.
        let a = DMatrix::from_row_slice(3, 3, &[1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
        let repair = nearest_correlation(&a);
        let m = &repair.matrix;
        assert!(
            (m[(0, 1)] - 0.7607).abs() < 1e-3 && (m[(0, 2)] - 0.1573).abs() < 1e-3,
            "{m}"
        );
        assert!(m.clone().cholesky().is_some());
        assert!((0..3).all(|i| (m[(i, i)] - 1.0).abs() < 1e-6));
        assert!(repair.largest_change > 0.2 && repair.frobenius_distance > 0.5);
    }

    #[test]
    fn leaves_a_valid_matrix_nearly_unchanged() {
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 1.0]);
        assert!(nearest_correlation(&a).largest_change < 1e-9);
    }
}
