// The few LAPACK routines Loupe calls, as OpenBLAS exports them (Fortran symbols with a
// trailing underscore; Debian's libopenblas ships LAPACK but not lapack.h). Arguments go
// by pointer; the hidden lengths of the character arguments come last, as gfortran passes
// them, so the calls are correct whether OpenBLAS's LAPACK was built from Fortran or C.
#ifndef LOUPE_LAPACK_H
#define LOUPE_LAPACK_H

#include <stddef.h>
#include <cblas.h>   // blasint, 32- or 64-bit as OpenBLAS was built

// Singular value decomposition of a general M×N matrix (column-major).
void sgesvd_(const char *jobu, const char *jobvt, const blasint *m, const blasint *n, float *a, const blasint *lda,
             float *s, float *u, const blasint *ldu, float *vt, const blasint *ldvt, float *work,
             const blasint *lwork, blasint *info, size_t jobu_len, size_t jobvt_len);

// Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix.
void dstev_(const char *jobz, const blasint *n, double *d, double *e, double *z, const blasint *ldz, double *work,
            blasint *info, size_t jobz_len);

// Solves A·X = B for a symmetric positive-definite A by Cholesky (column-major).
void dposv_(const char *uplo, const blasint *n, const blasint *nrhs, double *a, const blasint *lda, double *b,
            const blasint *ldb, blasint *info, size_t uplo_len);

// Eigenvalues (ascending) and eigenvectors of a real symmetric matrix, divide and conquer (column-major).
void dsyevd_(const char *jobz, const char *uplo, const blasint *n, double *a, const blasint *lda, double *w,
             double *work, const blasint *lwork, blasint *iwork, const blasint *liwork, blasint *info,
             size_t jobz_len, size_t uplo_len);

#endif
