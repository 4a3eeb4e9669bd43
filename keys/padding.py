"""Padmé length padding.

From Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
Communication with PURBs", PETS 2019, section 4 (Algorithm 1). A length ``L``
is rounded up so that only its ``O(log log L)`` most significant bits may be
non-zero: at most about 12 % overhead, and at most ``O(log log L)`` bits of
the length leak.

Resguardo pads the *number of payload chunks* (see docs/FORMAT.md), so every
envelope is a whole number of 64 KiB chunks.
"""


def padme(length: int) -> int:
    """Return the Padmé-padded value of ``length`` (an integer >= 0).

    ``padme(0) == 0``, ``padme(1) == 1``, ``padme(9) == 10``, ``padme(100) == 104``.

    :raises ValueError: if ``length`` is negative.
    """
    if length < 0:
        raise ValueError("length must be >= 0")
    if length < 2:
        return length
    exponent = length.bit_length() - 1  # floor(log2(L))
    size_bits = exponent.bit_length()  # floor(log2(E)) + 1
    last_bits = exponent - size_bits
    mask = (1 << last_bits) - 1
    return (length + mask) & ~mask
