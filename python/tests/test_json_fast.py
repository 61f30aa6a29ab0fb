"""_watchtower.dumps_fast: json.dumps(obj) byte for byte for the common exact types, None for
anything else (the formatter then falls back to json.dumps)."""

import collections
import datetime
import decimal
import enum
import json
import logging
import math
import random
import struct
import sys

import pytest

from watchtower import CloudWatchLogFormatter, _watchtower

dumps_fast = _watchtower.dumps_fast

STRINGS = [
    "",
    "plain ascii",
    " !#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}~",
    '"',
    "\\",
    'say "hi" \\ back\\slash\\',
    "\n\r\t\b\f",
    "".join(chr(c) for c in range(0x20)),
    "\x7f\x80\x9f\xa0\xff",
    "é€日本語",
    "\u2028\u2029",
    "\ufeff\ufffd\uffff",
    "😀",
    "a😀b\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U00010000\U0010ffff",
    "\x00",
    "tab\tin the middle",
    "x" * 5000,
    "é" * 3000 + "😀" * 100,
]

NUMBERS = [
    0,
    1,
    -1,
    255,
    2**31,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64,
    10**30,
    -(10**100),
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1,
    1 / 3,
    1e16,
    1e15,
    9999999999999998.0,
    1e-4,
    1e-5,
    1e-7,
    1.5e-7,
    1e22,
    1e300,
    5e-324,
    sys.float_info.max,
    sys.float_info.min,
    123456789.123456789,
    float("nan"),
    float("inf"),
    float("-inf"),
]

EDGE_CASES = [
    *STRINGS,
    *NUMBERS,
    True,
    False,
    None,
    [],
    (),
    {},
    [[]],
    [{}],
    {"": ""},
    {"a": {}},
    [1, "2", 3.0, None, True, False],
    (1, (2, (3, ())), [4]),
    {"nested": {"a": {"b": {"c": [1, 2, {"d": (3, 4)}]}}, "e": [[], {}]}},
    {"ordered": 1, "keys": 2, "as": 3, "inserted": 4, "z": 5, "a": 6},
    {s: s for s in STRINGS},
    {"numbers": NUMBERS, "strings": STRINGS},
    {"t": True, "f": False, "n": None},
    [[[[[[[[[[1]]]]]]]]]],
]


def nested(depth, leaf=1):
    value = leaf
    for i in range(depth):
        value = [value] if i % 3 == 0 else {"k": value} if i % 3 == 1 else (value,)
    return value


@pytest.mark.parametrize("value", EDGE_CASES, ids=lambda v: repr(v)[:40])
def test_edge_cases_match_json_dumps(value):
    assert dumps_fast(value) == json.dumps(value)
    assert type(dumps_fast(value)) is str


def test_every_bmp_code_point_and_some_beyond_match_json_dumps():
    non_surrogates = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(non_surrogates), 4096):
        chunk = "".join(non_surrogates[start : start + 4096])
        assert dumps_fast(chunk) == json.dumps(chunk)
        assert dumps_fast({chunk: chunk}) == json.dumps({chunk: chunk})
    beyond = "".join(chr(c) for c in range(0x10000, 0x110000, 97))
    assert dumps_fast(beyond) == json.dumps(beyond)


def test_nesting_up_to_the_limit_is_encoded():
    for depth in range(66):
        value = nested(depth)
        expected = json.dumps(value)
        assert dumps_fast(value) == (expected if depth <= 64 else None), depth


def _random_string(rng):
    pools = [
        "abcdefghijklmnopqrstuvwxyz0123456789 ",
        '"\\/\n\r\t\b\f\x00\x01\x1f\x7f',
        "éß€日本\u2028\ufeff\uffff",
        "😀🎉\U00010000\U0010ffff",
    ]
    n = rng.choice([0, 1, 2, 5, 10, 40])
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


def _random_scalar(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return _random_string(rng)
    if kind == 1:
        return rng.randint(-(2**70), 2**70) >> rng.randrange(70)
    if kind == 2:
        return rng.uniform(-1e6, 1e6)
    if kind == 3:
        # Any bit pattern: subnormals, huge and tiny exponents, NaN and the infinities.
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    if kind == 4:
        return rng.choice([0.0, -0.0, 1e16, 1e-7, 0.1, float("inf"), float("-inf"), math.nan])
    if kind == 5:
        return rng.choice([True, False, None])
    if kind == 6:
        return rng.randint(-10, 10)
    if kind == 7:
        return 10 ** rng.randrange(1, 400) * rng.choice([1, -1])
    return rng.random() * 10 ** rng.randrange(-30, 30)


def _random_value(rng, depth=0):
    if depth >= 6 or rng.random() < 0.4:
        return _random_scalar(rng)
    kind = rng.randrange(3)
    n = rng.randrange(6)
    if kind == 0:
        return {_random_string(rng): _random_value(rng, depth + 1) for _ in range(n)}
    items = [_random_value(rng, depth + 1) for _ in range(n)]
    return items if kind == 1 else tuple(items)


def test_random_structures_match_json_dumps():
    rng = random.Random(20261124)
    for i in range(5000):
        value = {"case": i, "value": _random_value(rng)}
        assert dumps_fast(value) == json.dumps(value), value


class S(str):
    pass


class I(int):  # noqa: E742
    pass


class F(float):
    pass


class D(dict):
    pass


class L(list):
    pass


class T(tuple):
    __slots__ = ()


class Color(enum.IntEnum):
    RED = 1


class Name(str, enum.Enum):
    A = "a"


def _cyclic_list():
    value = []
    value.append(value)
    return value


def _cyclic_dict():
    value = {}
    value["self"] = value
    return value


UNSUPPORTED = {
    "str subclass": S("x"),
    "int subclass": I(1),
    "float subclass": F(1.5),
    "dict subclass": D(a=1),
    "list subclass": L([1]),
    "tuple subclass": T((1,)),
    "IntEnum": Color.RED,
    "str Enum": Name.A,
    "OrderedDict": collections.OrderedDict(a=1),
    "defaultdict": collections.defaultdict(int, a=1),
    "namedtuple": collections.namedtuple("P", "x y")(1, 2),
    "int key": {1: "one"},
    "float key": {2.5: "x"},
    "bool key": {True: "t"},
    "None key": {None: "n"},
    "str subclass key": {S("k"): 1},
    "datetime": datetime.datetime(2021, 1, 2, 3, 4, 5),
    "date": datetime.date(2021, 1, 2),
    "bytes": b"abc",
    "bytearray": bytearray(b"abc"),
    "set": {1},
    "frozenset": frozenset(),
    "decimal": decimal.Decimal("1.10"),
    "complex": 1j,
    "object": object(),
    "type": int,
    "lone high surrogate": "\ud800",
    "lone low surrogate": "a\udfffb",
    "surrogate key": {"\udc80": 1},
    "deep": nested(65),
    "much deeper": nested(10_000),
    "cyclic list": _cyclic_list(),
    "cyclic dict": _cyclic_dict(),
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_anything_else_is_left_to_json_dumps(name):
    value = UNSUPPORTED[name]
    assert dumps_fast(value) is None
    # Also when nested deep inside something supported.
    assert dumps_fast({"ok": [1, "two", {"inner": (value,)}]}) is None


def test_an_int_past_the_str_digits_limit_is_left_to_json_dumps():
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int max str digits limit before Python 3.11")
    value = {"big": 10**5000}
    with pytest.raises(ValueError):
        json.dumps(value)
    assert dumps_fast(value) is None


def _record(msg):
    return logging.LogRecord("fmt.fast", logging.INFO, __file__, 1, msg, None, None)


def _reference(msg, default):
    return json.dumps(msg, default=default)


def test_the_formatter_matches_json_dumps_with_and_without_the_fast_path():
    rng = random.Random(7)

    def default(o):
        return repr(o)

    for i in range(500):
        msg = {"case": i, "value": _random_value(rng)}
        if i % 3 == 0:
            msg["at"] = datetime.datetime(2021, 1, 1, 0, 0, i % 60)
        if i % 5 == 0:
            msg["raw"] = b"\x00\xff"
        assert CloudWatchLogFormatter().format(_record(msg)) == _reference(
            msg, lambda o: o.isoformat() if isinstance(o, datetime.date) else repr(o)
        )
        formatter = CloudWatchLogFormatter(json_serialize_default=default)
        assert formatter.format(_record(msg)) == _reference(msg, default)


def test_the_formatter_keeps_json_dumps_errors():
    formatter = CloudWatchLogFormatter()
    with pytest.raises(ValueError, match="Circular reference"):
        formatter.format(_record(_cyclic_dict()))
    formatter.json_serialize_default = None
    assert formatter.format(_record({"a": [1, 2.5]})) == '{"a": [1, 2.5]}'
    with pytest.raises(TypeError):
        formatter.format(_record({"a": b"bytes"}))
