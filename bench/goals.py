"""Issue 12's goals, each with its figure from one `scripts/bench` run and its status.

Called by `bench/report.py`; reads the Rust peers' results, the Python comparison's, the
criterion rows, the memory table of `memory-bound` and the fleet test's output. Standard library
only.
"""

import re


def _fmt(v, digits=2):
    return "–" if v is None else f"{v:,.{digits}f}"


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def _core_cpu(core: dict, floor: dict) -> str:
    """The core's own CPU per event (the process's less the calling thread's) next to the
    floor's: what end to end cannot show on two cores shared with the calling thread and the
    sink."""
    events, cpu = core.get("events"), core.get("cpu_secs")
    thread, per_event = core.get("thread_cpu_ns_per_event"), floor.get("ns_per_event")
    if not (events and cpu and thread is not None and per_event):
        return ""
    own = cpu * 1e9 / events - thread
    return (
        f"; the core's own CPU (the process's less the calling thread's, which formats each "
        f"message): {_fmt(own, 0)} ns per event vs the floor's {_fmt(per_event, 0)} = "
        f"{_fmt(_ratio(own, per_event))}×"
    )


def _round_ratios(ours: list, peer: list) -> str:
    """The ratio in each round, round by round, when there were several rounds (the figure
    beside it is the ratio of the medians)."""
    ratios = [_ratio(x, y) for x, y in zip(ours, peer, strict=False)]
    if len(ratios) < 2 or None in ratios:
        return ""
    return " (round by round: " + ", ".join(f"{r:.2f}" for r in ratios) + ")"


def _rounds(ours: dict, peer: dict, key: str) -> str:
    """`_round_ratios` of `key` in two `rust-peers --rounds` results."""
    return _round_ratios(
        [x.get(key) for x in ours.get("rounds") or []],
        [y.get(key) for y in peer.get("rounds") or []],
    )


def paired_cost(ship: dict, null: dict, key: str = "us_per_call"):
    """What a handler costs over NullHandler: with several rounds (run round after round), the
    median of each round's difference, so that a run is compared with its neighbour in time
    and not with another round's (the machine's speed drifts by tens of percent between
    rounds); otherwise the difference of the two figures."""
    a, b = ship.get(f"rounds_{key}"), null.get(f"rounds_{key}")
    if a and b and len(a) == len(b) > 1 and None not in a and None not in b:
        diffs = sorted(x - y for x, y in zip(a, b, strict=True))
        return diffs[len(diffs) // 2]
    if ship.get(key) is None or null.get(key) is None:
        return None
    return ship[key] - null[key]


def _status(ok):
    if ok is None:
        return "n/a (not measured in this run)"
    return "**met**" if ok else "**not met**"


def _rust_rows(rr, crit_by_id):
    ours = rr.get("ours-tracing-json") or {}
    nogz = rr.get("ours-tracing-json-nogzip") or {}
    tcw = rr.get("tracing-cloudwatch") or {}
    rows = []
    r = _ratio(ours.get("cpu_secs"), tcw.get("cpu_secs"))
    rows.append(
        (
            "Rust, 500 k `tracing` JSON events: whole-process CPU ≤ 0.7× tracing-cloudwatch",
            (
                f"{_fmt(ours.get('cpu_secs'))} s vs {_fmt(tcw.get('cpu_secs'))} s = {_fmt(r)}×"
                f"{_rounds(ours, tcw, 'cpu_secs')} "
                f"(gzip off: {_fmt(_ratio(nogz.get('cpu_secs'), tcw.get('cpu_secs')))}×)"
            ),
            _status(None if r is None else r <= 0.7),
        )
    )
    r = _ratio(ours.get("e2e_events_per_sec"), tcw.get("e2e_events_per_sec"))
    rows.append(
        (
            "Rust: end-to-end events/s ≥ 1.5×",
            (
                f"{_fmt(ours.get('e2e_events_per_sec'), 0)} vs "
                f"{_fmt(tcw.get('e2e_events_per_sec'), 0)} events/s = {_fmt(r)}×"
                f"{_rounds(ours, tcw, 'e2e_events_per_sec')}"
            ),
            _status(None if r is None else r >= 1.5),
        )
    )
    rw = _ratio(ours.get("ns_per_event"), tcw.get("ns_per_event"))
    rc = _ratio(ours.get("thread_cpu_ns_per_event"), tcw.get("thread_cpu_ns_per_event"))
    steady_ours = (crit_by_id.get("calling_thread_steady/ours_tracing_json") or {}).get("mean_ns")
    steady_tcw = (crit_by_id.get("calling_thread_steady/tracing_cloudwatch") or {}).get("mean_ns")
    rs = _ratio(steady_ours, steady_tcw)
    burst_ok = None if rw is None or rc is None else rw <= 0.25 and rc <= 0.25
    steady_ok = None if rs is None else rs <= 0.25
    if burst_ok and steady_ok:
        status = _status(True)
    elif steady_ok:
        status = "**met** in the steady state (criterion), **not met** in the 500 k burst"
    else:
        status = _status(None if burst_ok is None else False)
    rows.append(
        (
            "Rust: calling thread ≤ 0.25×",
            (
                f"500 k burst: wall {_fmt(ours.get('ns_per_event'), 0)} vs "
                f"{_fmt(tcw.get('ns_per_event'), 0)} ns = {_fmt(rw)}×"
                f"{_rounds(ours, tcw, 'ns_per_event')}, its CPU "
                f"{_fmt(ours.get('thread_cpu_ns_per_event'), 0)} vs "
                f"{_fmt(tcw.get('thread_cpu_ns_per_event'), 0)} ns = {_fmt(rc)}×"
                f"{_rounds(ours, tcw, 'thread_cpu_ns_per_event')}; steady state "
                f"(criterion `calling_thread_steady`, runs of 5,000 events each shipped before the "
                f"next): {_fmt(steady_ours, 0)} vs {_fmt(steady_tcw, 0)} ns = {_fmt(rs)}×"
            ),
            status,
        )
    )
    r = _ratio(ours.get("peak_rss_bytes"), tcw.get("peak_rss_bytes"))
    mib = 1 / 1048576
    rows.append(
        (
            "Rust: peak RSS ≤ 2×",
            (
                f"{_fmt((ours.get('peak_rss_bytes') or 0) * mib, 1)} vs "
                f"{_fmt((tcw.get('peak_rss_bytes') or 0) * mib, 1)} MiB = {_fmt(r)}×"
                f"{_rounds(ours, tcw, 'peak_rss_bytes')}"
            ),
            _status(None if r is None else r <= 2),
        )
    )
    plain = rr.get("ours-tracing-plain") or {}
    rows.append(
        (
            "Rust: equal work (bytes per event of both)",
            (
                f"ours {_fmt(ours.get('bytes_per_event'), 1)} counted bytes per event (JSON: time, "
                f"level, target, message, fields, file, line), "
                f"{_fmt(ours.get('wire_bytes_per_event'), 1)} on the wire (gzip); "
                f"tracing-cloudwatch {_fmt(tcw.get('bytes_per_event'), 1)} (a text line), "
                f"{_fmt(tcw.get('wire_bytes_per_event'), 1)} on the wire. With our text line "
                f"(`ours-tracing-plain`, {_fmt(plain.get('bytes_per_event'), 1)} bytes per event, "
                f"gzip on): process CPU "
                f"{_fmt(_ratio(plain.get('cpu_secs'), tcw.get('cpu_secs')))}×, end to end "
                f"{_fmt(_ratio(plain.get('e2e_events_per_sec'), tcw.get('e2e_events_per_sec')))}×, "
                f"peak RSS {_fmt(_ratio(plain.get('peak_rss_bytes'), tcw.get('peak_rss_bytes')))}×"
            ),
            "reported",
        )
    )
    return rows


def _python_rows(pr):
    def get(label, key):
        return (pr.get(label) or {}).get(key)

    def cost(impl, kind, key):
        return paired_cost(
            pr.get(f"{impl}/{kind}/short") or {}, pr.get(f"{impl}/null/short") or {}, key
        )

    rows = []
    ours, old = get("ours/ship/short", "cpu_secs"), get("3.4/ship/short", "cpu_secs")
    r = _ratio(ours, old)
    rows.append(
        (
            "Python, 1 M records: whole-process CPU ≤ 0.25× watchtower 3.4.0",
            f"{_fmt(ours)} s vs {_fmt(old)} s = {_fmt(r)}×"
            + _round_ratios(
                get("ours/ship/short", "rounds_cpu_secs") or [],
                get("3.4/ship/short", "rounds_cpu_secs") or [],
            ),
            _status(None if r is None else r <= 0.25),
        )
    )
    key = "us_per_call"
    rw = _ratio(cost("ours", "ship", key), cost("3.4", "ship", key))
    rf = _ratio(cost("ours", "ship", key), cost("ours", "format", key))
    rounds = get("ours/ship/short", "rounds_us_per_call")
    burst = (
        f"{_fmt(cost('ours', 'ship', key))} vs {_fmt(cost('3.4', 'ship', key))} µs over "
        f"NullHandler = {_fmt(rw)}×; 1 M-record bursts, each in its own process"
        + (f" (median of {len(rounds)} rounds' differences)" if rounds else "")
        + f": vs the format-only handler's {_fmt(cost('ours', 'format', key))} µs = {_fmt(rf)}×"
    )
    # Steady state: the three handlers in alternating chunks of one process.
    steady = pr.get("ours/interleaved/short") or {}
    rs = None
    if all(f"{k}_us_per_call" in steady for k in ("null", "format", "ship")):
        ship = steady["ship_us_per_call"] - steady["null_us_per_call"]
        fmt_only = steady["format_us_per_call"] - steady["null_us_per_call"]
        rs = _ratio(ship, fmt_only)
        burst += (
            f"; steady state (alternating chunks of 5,000 records in one process, "
            f"{steady.get('delivered')} of {steady.get('events')} delivered): "
            f"{_fmt(ship)} vs {_fmt(fmt_only)} µs = {_fmt(rs)}×"
        )
    # Judged as the Rust calling-thread goal is: both the bursts and the steady state.
    burst_ok = None if rw is None or rf is None else rw <= 0.2 and rf <= 1.2
    steady_ok = None if rw is None or rs is None else rw <= 0.2 and rs <= 1.2
    if burst_ok and steady_ok:
        status = _status(True)
    elif steady_ok:
        status = "**met** in the steady state, **not met** in the 1 M bursts"
    else:
        status = _status(None if burst_ok is None else False)
    rows.append(
        (
            "Python: calling thread ≤ 0.2× 3.4's and within 1.2× of a handler that only formats",
            burst,
            status,
        )
    )
    return rows


def _memory_row(memory_md):
    found = re.findall(
        r"^\| (backlog-\w+) \| (\d+) \| (\d+) \| ([\d.]+) \|", memory_md, re.MULTILINE
    )
    if not found:
        return (
            "Memory: bytes held per queued event ≤ 1.3× its payload (+26), 1 M backlog",
            "–",
            _status(None),
        )
    worst = max(float(r[3]) for r in found)
    text = "; ".join(
        f"`{name}` {held} bytes for {payload} = {r}×" for name, payload, held, r in found
    )
    return (
        "Memory: bytes held per queued event ≤ 1.3× its payload (+26), 1 M backlog",
        text,
        _status(worst <= 1.3),
    )


def _network_rows(rr, crit_by_id, criterion_text, fleet_text):
    rows = []
    m = re.search(
        r"gzip: (\d+) JSON events, body (\d+) bytes .*?level 1 (\d+) bytes \(([\d.]+)",
        criterion_text,
    )
    gz = crit_by_id.get("gzip/put_log_events_body_level1")
    per_event = gz["mean_ns"] / gz["elements"] if gz and gz.get("elements") else None
    ours = rr.get("ours-tracing-json") or {}
    nogz = rr.get("ours-tracing-json-nogzip") or {}
    saved = None
    if ours.get("wire_bytes_per_event") is not None and nogz.get("wire_bytes_per_event"):
        saved = nogz["wire_bytes_per_event"] - ours["wire_bytes_per_event"]
    if m:
        share = float(m.group(4))
        rows.append(
            (
                (
                    "gzip: typical JSON logs ≤ 1/4 of their uncompressed request bytes; its CPU "
                    "next to the bytes saved"
                ),
                (
                    f"criterion's varied JSON logs: {share:.3f} of the body ({m.group(2)} → "
                    f"{m.group(3)} bytes for {m.group(1)} events), {_fmt(per_event, 0)} ns of CPU "
                    f"per event; rust-peers: {_fmt(saved, 1)} bytes saved per event, process CPU "
                    f"{_fmt(ours.get('cpu_secs'))} s with gzip vs {_fmt(nogz.get('cpu_secs'))} s "
                    "without"
                ),
                _status(share <= 0.25),
            )
        )
    fleet = [line.strip() for line in fleet_text.splitlines() if line.startswith("fleet:")]
    m = re.search(
        r"([\d.]+) requests per batch.*quota used while all backlogged ([\d.]+) %",
        fleet_text,
    )
    if m:
        ok = (
            float(m.group(1)) <= 1.3 and float(m.group(2)) >= 90 and "test result: ok" in fleet_text
        )
        rows.append(
            (
                (
                    "Fleet (32 processes, one shared quota): 0 lost, 0 violations, "
                    "≤ 1.3 requests per batch, ≥ 90 % of the quota; CreateLogStream limited too"
                ),
                " / ".join(fleet)
                + (" (test passed)" if "test result: ok" in fleet_text else " (test FAILED)"),
                _status(ok),
            )
        )
    return rows


def write(w, rr, pr, crit, memory_md, criterion_text, fleet_text):
    """Writes the goals table with `w` (one call per line)."""
    crit_by_id = {row["id"]: row for row in crit}
    floor = rr.get("floor") or {}
    core = rr.get("ours-core-floor-shape") or {}
    e2e = core.get("e2e_events_per_sec") if core.get("all_delivered") else None
    r = _ratio(floor.get("ceiling_events_per_sec"), e2e)
    floor_row = (
        (
            "Core fed from one thread vs the encode+sign floor ≤ 1.3× (`ours-core-floor-shape` "
            "end to end vs the floor's ceiling per core)"
        ),
        (
            f"{_fmt(e2e, 0)} vs {_fmt(floor.get('ceiling_events_per_sec'), 0)} events/s: the floor "
            f"is {_fmt(r)}× faster" + _core_cpu(core, floor)
        ),
        _status(None if r is None else r <= 1.3),
    )
    rows = _rust_rows(rr, crit_by_id) + _python_rows(pr) + [floor_row, _memory_row(memory_md)]
    rows += _network_rows(rr, crit_by_id, criterion_text, fleet_text)
    w("## Issue 12's goals (this run)\n")
    w("| goal | measured in this run | status |")
    w("|---|---|---|")
    for goal, measured, status in rows:
        w(f"| {goal} | {measured} | {status} |")
    w("")
