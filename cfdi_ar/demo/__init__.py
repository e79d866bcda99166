"""Demo and test material built by cfdi-ar itself: a certificate authority,
SAT-shaped certificates, CFDI 4.0 documents with SAT's arithmetic, sealing and
stamping. Used by ``samples/``, the tests and the benchmark; never SAT's."""
