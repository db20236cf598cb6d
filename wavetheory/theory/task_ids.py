"""The authors' task IDs (ID1, ID2, ID3): their linear variable-binding tasks as lag operators (THEORY.md section 1).

Karuvally et al.'s code names each task of its experiments by three integers and a size (d, s).
It builds an (s d) x d operator F and generates x(t) = w @ F, where w is the window of the last
s states flattened oldest first: row r = tau d + i of F reads x_i(t - s + tau), so row r is
component ``r % d`` at lag ``k = s - r // d``:

* ID1 is an (s d)-bit number with exactly d one-bits; bit r set (bit 0 = row 0 = x_0(t - s))
  means row r is chosen; the chosen rows are listed in increasing order;
* ID2, read as base-d digits g_0, g_1, ... (least significant first), permutes that list: for
  i = 0, 1, 2, ... in turn, g_i > 0 swaps positions i and i + g_i of the list as already
  permuted (a Fisher-Yates shuffle; g_i < d - i is required), so the valid ID2 values are in
  one-to-one correspondence with the d! orderings;
* ID3's bit j set negates output component j;
* F[choice_j, j] = sign_j, i.e. x_j(t) = sign_j x_c(t - k) with (c, k) the components of row choice_j.

In our convention (A_k multiplies x(t-k)) that is A_k[j, c] = F[(s - k) d + c, j]. Their family
is the signed-selection tasks whose d outputs read d pairwise distinct sources (c, k); it has
C(s d, d) d! 2^d members, each with exactly one ID triple, so ``encode`` inverts ``decode``.
(2^d - 1, 0, 0) is repeat copy. IDs the authors' code rejects (or never finishes on: d = 1 with
ID2 > 0, negative IDs) raise ValueError naming the argument. The task object is
``tasks.authors_task``; this module is the encoding itself, on plain arrays.
"""

from __future__ import annotations

from math import comb, factorial

import numpy as np

from .._validate import matrix_bytes, positive_int, require_memory

__all__ = ["decode", "encode", "operator", "rows_and_signs", "bindings_text", "family_size", "PAPER_TASKS",
           "WORKED_EXAMPLES"]

# the IDs of the paper's d = s = 8 experiments (T1 is repeat copy, (2^8 - 1, 0, 0))
PAPER_TASKS: dict[str, tuple[int, int, int]] = {
    "T1": (255, 0, 0),
    "T2": (9241421688590303745, 262676, 189),
    "T3": (9241421688590303745, 0, 0),
    "T4": (9241421688590303745, 38637, 145),
}

# (ids, d, s, what it shows): the worked examples of the documentation (rendered from decode)
WORKED_EXAMPLES: tuple[tuple[tuple[int, int, int], int, int, str], ...] = (
    ((7, 0, 0), 3, 4, "repeat copy: rows 0..2 read x(t-s)"),
    ((7, 0, 0), 3, 1, "with s = 1 the same rows are x(t-1)"),
    ((0b111000000000, 0, 0), 3, 4, "rows 9..11: x(t) = x(t-1)"),
    ((0b111000000000, 1, 0), 3, 4, "ID2 digit 0 = 1 swaps positions 0 and 1"),
    ((0b111000000000, 2, 0), 3, 4, "ID2 digit 0 = 2 swaps positions 0 and 2"),
    ((0b111000000000, 3, 0), 3, 4, "ID2 digit 1 = 1 swaps positions 1 and 2"),
    ((0b111000000000, 4, 0), 3, 4, "swap 0-1, then 1-2 on the permuted list"),
    ((0b111000000000, 5, 0), 3, 4, "swap 0-2, then 1-2 on the permuted list"),
    ((0b100010001000, 0, 0), 3, 4, "rows 3, 7, 11: three different lags"),
    ((0b100010001000, 2, 5), 3, 4, "ID3 = 5 negates outputs 0 and 2"),
    ((0b000100100001, 1, 2), 3, 4, "an output may copy a component another output also reads"),
    ((0b1001, 1, 1), 2, 2, ""),
    ((0b100010, 1, 1), 2, 3, ""),
    ((0b1100, 0, 3), 2, 2, "x(t) = -x(t-1)"),
    ((0b0110, 1, 0), 2, 2, ""),
) + tuple((ids, 8, 8, f"paper {name}") for name, ids in PAPER_TASKS.items())


def _id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected a non-negative integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value}")
    return int(value)


def _short(value: int) -> str:
    """An ID for a message: in full up to 40 digits, else its bit length (printing a huge int is slow, then refused)."""
    return str(value) if value.bit_length() <= 128 else f"<an integer of {value.bit_length()} bits>"


def rows_and_signs(id1: int, id2: int, id3: int, d: int, s: int) -> tuple[list[int], list[int]]:
    """The chosen rows of F in output order and the output signs: F[rows[j], j] = signs[j].

    >>> rows_and_signs(0b100010001000, 2, 5, 3, 4)
    ([11, 7, 3], [-1, 1, -1])
    """
    id1, id2, id3 = _id(id1, "id1"), _id(id2, "id2"), _id(id3, "id3")
    d, s = positive_int(d, "d"), positive_int(s, "s")
    # sizes first, in time linear in the digits: a hostile ID may have millions of bits
    if id1.bit_length() > s * d:
        raise ValueError(f"id1: {_short(id1)} sets bit {id1.bit_length() - 1}, but F has only s*d = {s * d} rows "
                         f"(bits 0..{s * d - 1})")
    if bin(id1).count("1") != d:
        raise ValueError(f"id1: {_short(id1)} has {bin(id1).count('1')} one-bits, a task of width d = {d} needs exactly {d}")
    rows = [r for r, bit in enumerate(reversed(bin(id1)[2:])) if bit == "1"]
    if d == 1 and id2:
        raise ValueError(f"id2: must be 0 when d = 1 (there is nothing to permute), got {_short(id2)}")
    i, rest = 0, id2
    while rest:
        g = rest % d
        if g and not g < d - i:
            raise ValueError(f"id2: {_short(id2)} has base-{d} digit {i} = {g}; digit i must be < d - i = {d - i}")
        if i >= d:  # a zero digit beyond the d-th: a non-zero one follows
            raise ValueError(f"id2: {_short(id2)} has more than d = {d} base-{d} digits (a permutation of d outputs has d)")
        rows[i], rows[i + g] = rows[i + g], rows[i]
        rest //= d
        i += 1
    if id3 >> d:
        raise ValueError(f"id3: {_short(id3)} sets bit {id3.bit_length() - 1}, but there are only d = {d} outputs "
                         f"(bits 0..{d - 1})")
    return rows, [-1 if id3 >> j & 1 else 1 for j in range(d)]


def operator(id1: int, id2: int, id3: int, d: int, s: int) -> np.ndarray:
    """The authors' (s d) x d operator F of a task, x(t) = [x(t-s), ..., x(t-1)] @ F.

    >>> operator(0b1001, 1, 1, 2, 2).astype(int).tolist()
    [[0, 1], [0, 0], [0, 0], [-1, 0]]
    """
    rows, signs = rows_and_signs(id1, id2, id3, d, s)
    # F and the lags decoded from it (decode): two (s d) x d float arrays
    require_memory(matrix_bytes(s * d, d, copies=2), f"authors' task (d = {d}, s = {s})")
    F = np.zeros((s * d, d))
    F[rows, range(d)] = signs
    return F


def bindings_text(id1: int, id2: int, id3: int, d: int, s: int) -> str:
    """The task in the binding syntax of ``tasks.parse_bindings``: term j is sign_j x_c(t - k) for row c + (s - k) d.

    >>> bindings_text(0b100010, 1, 1, 2, 3)
    '-x1(t-1), +x1(t-3)'
    """
    rows, signs = rows_and_signs(id1, id2, id3, d, s)
    return ", ".join(f"{'+' if g > 0 else '-'}x{r % d}(t-{s - r // d})" for r, g in zip(rows, signs))


def decode(id1: int, id2: int, id3: int, d: int, s: int) -> np.ndarray:
    """The lag operators (s, d, d) of the task (ID1, ID2, ID3): A_k[j, c] = F[(s - k) d + c, j].

    >>> decode(7, 0, 0, 3, 2)[1].astype(int).tolist()  # (2^d - 1, 0, 0) is repeat copy: A_s = I
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    F = operator(id1, id2, id3, d, s)
    blocks = F.reshape(s, d, d)  # blocks[tau] = rows tau d .. tau d + d - 1, lag s - tau
    return np.stack([blocks[s - k].T for k in range(1, s + 1)])


def encode(task: object) -> tuple[int, int, int] | None:
    """The IDs (ID1, ID2, ID3) of a task (a LinearHDS or lags (s, d, d)), or None outside the authors' family.

    In the family every output j reads exactly one signed source sign_j x_c(t - k), all entries
    are 0 or +-1, and no two outputs read the same source. ``decode(*encode(task), d, s)``
    gives the task's lags back.

    >>> encode(decode(289, 1, 2, 3, 4))
    (289, 1, 2)
    """
    lags = getattr(task, "lags", task)
    A = np.asarray(lags, dtype=float)
    if A.ndim != 3 or A.shape[1] != A.shape[2] or min(A.shape) < 1:
        raise ValueError(f"task: expected a LinearHDS or lags of shape (s, d, d), got shape {A.shape}")
    s, d, _ = A.shape
    if not np.all(np.isin(A, (-1.0, 0.0, 1.0))):
        return None
    rows, id3 = [], 0
    for j in range(d):
        nz = np.argwhere(A[:, j, :])  # (k - 1, c) of every non-zero entry of output j
        if len(nz) != 1:
            return None
        k, c = int(nz[0, 0]) + 1, int(nz[0, 1])
        rows.append((s - k) * d + c)
        id3 |= (A[k - 1, j, c] < 0) << j
    if len(set(rows)) != d:
        return None
    order, id2 = sorted(rows), 0
    for i in range(d):  # undo the Fisher-Yates shuffle: digit i moves rows[i] into position i
        g = order.index(rows[i], i) - i
        order[i], order[i + g] = order[i + g], order[i]
        id2 += g * d**i
    return sum(1 << r for r in rows), id2, int(id3)


def family_size(d: int, s: int) -> int:
    """How many tasks (and valid ID triples) the family of width d and history s has: C(s d, d) d! 2^d.

    >>> family_size(2, 2)
    48
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    return comb(s * d, d) * factorial(d) * 2**d
