#!/usr/bin/env python3
"""cfdi-ar validation throughput, with references measured in the same run.

    python benchmarks/validate.py                # N=10,000 documents (the target's conditions)
    python benchmarks/validate.py --quick        # N=1,000 smoke run
    python benchmarks/validate.py --help

One run:

1. generates N sealed and stamped CFDI 4.0 documents (invoices with varied lines,
   IVA 16 % / 0 %, MXN and USD, PUE and PPD; payment receipts with Pagos 2.0 paying
   earlier PPD invoices in full or in part) with cfdi-ar's demo PKI and builders,
   over all CPUs (not part of any figure);
2. times the real CLI as a subprocess, interpreter start-up included, for each
   ``--jobs`` value, and checks its JSON report (N results, all valid, every check
   passed) so the figure cannot come from a run that did nothing;
3. Reference A, "satcfdi pipeline": CFDI.from_file, to_xml(validate=True),
   cadena_original, Sello verified with the document's certificate, on a subsample;
4. Reference B, "floor": hardened parse, the lean compiled schema only, the cached
   cadena, one RSA-SHA256 verify with a pre-parsed key, in one process over all N;
5. prints the table, the ratios, PASS/FAIL against the target, the machine and the
   exact commands.

Needs only an environment where cfdi-ar is installed (satcfdi, lxml and cryptography
are its dependencies): no network, no ../shared, no repository files.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

TARGET_DOCS_PER_S = 2000  # per core, start-up included, over 10,000 documents
TARGET_N = 10_000
MARKER = ".cfdi-ar-benchmark"  # marks a --out folder as ours, so a re-run may replace its contents

# --------------------------------------------------------------------------- corpus generation

# Parties and products: values from SAT's catalogs (c_RegimenFiscal, c_UsoCFDI,
# c_CodigoPostal, c_ClaveProdServ, c_ClaveUnidad).
EMISOR = ("CDB200115AB7", "COMERCIALIZADORA DEMO DEL BAJIO", "601", "76000")
CUSTOMERS = [  # rfc, nombre, regimen, cp, uso, currency
    ("ALE1503107H2", "ABARROTES LA ESPERANZA", "601", "76100", "G01", "MXN"),
    ("FNO0807226T3", "FERRETERIA DEL NORTE", "601", "64000", "G01", "MXN"),
    ("HELG850314QW5", "MARIA GUADALUPE HERNANDEZ LOPEZ", "612", "37000", "G03", "MXN"),
    ("AGL1111119Z0", "AUTOPARTES GLOBALES", "601", "44100", "G01", "USD"),
]
PRODUCTS = [  # clave, unidad, descripcion, precio base, iva (None = 16 %, "0" = tasa 0 %)
    ("50161813", "H87", "Chocolate de mesa 500 g", "48.50", None, "Pieza"),
    ("50192100", "H87", "Botana surtida 1 kg", "112.00", None, "Pieza"),
    ("50202306", "H87", "Agua mineral 600 ml", "11.20", "0", "Pieza"),
    ("50131700", "H87", "Leche entera 1 l", "26.40", "0", "Pieza"),
    ("27111701", "H87", "Desarmador de cruz", "64.90", None, "Pieza"),
    ("31161500", "KGM", "Tornillo galvanizado", "85.00", None, "Kilogramo"),
    ("25172504", "H87", "Filtro de aceite", "18.75", None, "Pieza"),
    ("25174004", "H87", "Juego de balatas", "62.40", None, "Juego"),
    ("43211507", "H87", "Computadora portátil 14 pulgadas", "12899.00", None, "Pieza"),
    ("44121618", "H87", "Tijeras de oficina", "35.90", None, "Pieza"),
    ("80111600", "E48", "Servicio de personal temporal (jornada)", "950.00", None, "Servicio"),
    ("47131700", "LTR", "Limpiador multiusos", "42.30", None, "Litro"),
]

_G: dict[str, object] = {}  # per-worker state: credentials and parties


def _init_worker(ca_blob: tuple[bytes, bytes], csd_blob: tuple[bytes, bytes], stamp_blob: tuple[bytes, bytes]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from cfdi_ar.demo.documents import Party
    from cfdi_ar.demo.pki import Credential

    def load(blob: tuple[bytes, bytes]) -> Credential:
        cert, key = blob
        return Credential(x509.load_der_x509_certificate(cert), serialization.load_der_private_key(key, None))  # type: ignore[arg-type]

    _G["csd"] = load(csd_blob)
    _G["stamp"] = load(stamp_blob)
    _G["emisor"] = Party(*EMISOR)
    _G["customers"] = [(Party(*c[:5]), c[5]) for c in CUSTOMERS]


def _blob(cred) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization

    key = cred.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cred.der, key


BASE_DATE = dt.datetime(2026, 1, 5, 8, 0, 0)
STEP = dt.timedelta(minutes=20)  # 10,000 documents span ~4.6 months of 2026


def _gen_chunk(args: tuple[int, int, int, str]) -> tuple[int, int, int]:
    """Documents start..start+count-1 into folder. Returns (invoices, payment receipts, bytes)."""
    from cfdi_ar.demo.documents import Line, Payment, invoice, paid_document, payment_receipt
    from cfdi_ar.demo.seal import seal, stamp, to_bytes
    from cfdi_ar.model import build_comprobante

    start, count, seed, folder = args
    rng = random.Random(seed * 1_000_003 + start)
    csd, stamp_cert, emisor, customers = _G["csd"], _G["stamp"], _G["emisor"], _G["customers"]
    open_ppd: dict[int, list[list]] = {}  # customer index -> [[model, saldo, parcialidad], ...]
    n_i = n_p = size = 0
    for i in range(start, start + count):
        fecha = BASE_DATE + STEP * i
        cust_ready = [c for c, docs in open_ppd.items() if docs]
        if cust_ready and rng.random() < 0.25:
            c = rng.choice(cust_ready)
            receptor, moneda = customers[c]
            pending = open_ppd[c]
            take = pending[: rng.choice((1, 1, 2, 3))]
            docs = []
            for entry in take:
                model, saldo, parcialidad = entry
                pagado = saldo if rng.random() < 0.6 or parcialidad > 1 else (saldo / 2).quantize(D("0.01"))
                docs.append(paid_document(model, pagado=pagado, saldo_anterior=saldo, num_parcialidad=parcialidad))
                entry[1] = saldo - pagado
                entry[2] = parcialidad + 1
            open_ppd[c] = [e for e in pending if e[1] > 0]
            payment = Payment(
                fecha - dt.timedelta(minutes=rng.randint(2, 15)),
                rng.choice(("03", "03", "02", "04")),
                moneda,
                tuple(docs),
                tipo_cambio=D("18.6105") if moneda == "USD" else None,
                num_operacion=f"SPEI-{rng.randint(10**7, 10**8 - 1)}",
            )
            root = payment_receipt(emisor, receptor, [payment], fecha=fecha, folio=str(200000 + i))
            kind = "P"
            n_p += 1
        else:
            c = rng.randrange(len(customers))
            receptor, moneda = customers[c]
            lines = []
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6, 8, 12))):
                clave, unidad, desc, price, iva, unidad_txt = rng.choice(PRODUCTS)
                valor = (D(price) * D(rng.randint(85, 120)) / 100).quantize(D("0.01"))
                if moneda == "USD":
                    valor = (valor / D("18")).quantize(D("0.01")) or D("0.01")
                lines.append(
                    Line(clave, D(rng.randint(1, 200)), unidad, desc, valor,
                         iva=D("0") if iva == "0" else D("0.16"), unidad=unidad_txt)
                )
            ppd = rng.random() < 0.7
            root = invoice(
                emisor, receptor, lines, fecha=fecha, folio=str(100000 + i),
                moneda=moneda, tipo_cambio=D("18.4520") if moneda == "USD" else None,
                forma_pago="99" if ppd else rng.choice(("01", "03", "04")),
                metodo_pago="PPD" if ppd else "PUE",
                condiciones_de_pago="Crédito 30 días" if ppd else None,
            )
            kind = "I"
            n_i += 1
        seal(root, csd)
        stamp(root, stamp_cert, fecha_timbrado=fecha + dt.timedelta(minutes=rng.randint(1, 30)),
              uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), rfc_prov_certif="DPA200101AB1")
        if kind == "I" and root.get("MetodoPago") == "PPD":
            open_ppd.setdefault(c, []).append([build_comprobante(root), D(root.get("Total", "0")), 1])
        data = to_bytes(root)
        size += len(data)
        with open(os.path.join(folder, f"{i:06d}-{kind}.xml"), "wb") as fh:
            fh.write(data)
    return n_i, n_p, size


@dataclass
class Corpus:
    folder: Path  # what the CLI is given: ca.cer, sat-certs/, cfdi/
    ca: Path
    sat_certs: Path
    files: list[Path]
    invoices: int
    payments: int
    bytes: int
    seconds: float


def generate(folder: Path, n: int, seed: int, workers: int) -> Corpus:
    from cfdi_ar.demo.pki import make_ca, make_csd, make_stamp_certificate

    t0 = time.perf_counter()
    ca = make_ca()
    csd = make_csd(ca, EMISOR[0], EMISOR[1], serial="30001000000500001001", representative="MAGP800101AB2")
    stamp_ca = make_ca("cfdi-ar DEMO stamp CA (not SAT)")
    stamp_cert = make_stamp_certificate(stamp_ca, serial="00001000000900001001", pac_rfc="DPA200101AB1")
    docs = folder / "cfdi"
    docs.mkdir(parents=True)
    (folder / "sat-certs").mkdir()
    (folder / "ca.cer").write_bytes(ca.der)
    (folder / "sat-certs" / f"{stamp_cert.serial_sat}.cer").write_bytes(stamp_cert.der)
    chunk = max(50, min(500, n // (workers * 8) or 1))
    tasks = [(s, min(chunk, n - s), seed, os.fspath(docs)) for s in range(0, n, chunk)]
    n_i = n_p = size = 0
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(_blob(ca), _blob(csd), _blob(stamp_cert))) as pool:
        for a, b, c in pool.map(_gen_chunk, tasks):
            n_i, n_p, size = n_i + a, n_p + b, size + c
    files = sorted(docs.glob("*.xml"))
    assert len(files) == n, f"generated {len(files)} files, expected {n}"
    return Corpus(folder, folder / "ca.cer", folder / "sat-certs", files, n_i, n_p, size, time.perf_counter() - t0)


# --------------------------------------------------------------------------- cfdi-ar: the real CLI


def cli_command(corpus: Corpus, jobs: int) -> list[str]:
    return [sys.executable, "-m", "cfdi_ar", "validate", "--format", "json", "--quiet", "--jobs", str(jobs),
            "--trust-ca", os.fspath(corpus.ca), "--sat-certs", os.fspath(corpus.sat_certs), os.fspath(corpus.folder)]


def _clean_env() -> dict[str, str]:
    # No CFDI_AR_* variable from the caller's shell may change what is measured.
    return {k: v for k, v in os.environ.items() if not k.startswith("CFDI_AR_")}


def run_cli(corpus: Corpus, jobs: int, report: Path, workdir: Path) -> float:
    cmd = cli_command(corpus, jobs)
    with open(report, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, cwd=workdir, env=_clean_env())
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: cfdi-ar --jobs {jobs} exited {proc.returncode}\n{proc.stderr.decode(errors='replace')[-4000:]}"
                         f"\nreport: {report}")
    check_report(report, corpus, jobs)
    return seconds


def check_report(report: Path, corpus: Corpus, jobs: int) -> None:
    """The run is genuine: one result per document, each valid with every check passed."""
    results = json.loads(report.read_bytes())
    n = len(corpus.files)
    problems = []
    if len(results) != n:
        problems.append(f"{len(results)} results for {n} documents")
    names = {os.path.basename(r["file"]) for r in results}
    if len(names) != n:
        problems.append(f"{len(names)} distinct files in the report, expected {n}")
    bad = [r for r in results if not r.get("valid")]
    unchecked = [r for r in results if any(v != "pass" for v in (r.get("checks") or {"schema": None}).values())]
    types = {t: sum(1 for r in results if r.get("type") == t) for t in ("I", "P")}
    if bad:
        problems.append(f"{len(bad)} invalid, e.g. {json.dumps(bad[0])[:800]}")
    if unchecked:
        problems.append(f"{len(unchecked)} with a check not 'pass', e.g. {json.dumps(unchecked[0])[:800]}")
    if (types["I"], types["P"]) != (corpus.invoices, corpus.payments):
        problems.append(f"types in report {types}, generated I={corpus.invoices} P={corpus.payments}")
    if problems:
        raise SystemExit(f"FAILED: the cfdi-ar --jobs {jobs} report is not a genuine full validation:\n  "
                         + "\n  ".join(problems) + f"\nreport: {report}")


# --------------------------------------------------------------------------- Reference A: satcfdi


def satcfdi_pipeline(files: list[Path]) -> float:
    """CFDI.from_file, to_xml(validate=True), cadena_original, Sello verified with the embedded certificate.

    satcfdi's own ``SAT().validate(cfdi)`` cannot run here: it checks the CSD against
    SAT's production CA only (the demo CA raises KeyError) and fetches the stamp
    certificate from SAT over the network. The seal is verified with satcfdi's own
    ``Certificate.load_certificate(...).verify_sha256(...)``, exactly as that method does.
    """
    from satcfdi.cfdi import CFDI
    from satcfdi.models import Certificate

    def one(path: Path) -> None:
        cfdi = CFDI.from_file(os.fspath(path))
        cfdi.to_xml(validate=True)  # raises SchemaValidationError when invalid
        cadena = cfdi.cadena_original()
        cert = Certificate.load_certificate(base64.b64decode(cfdi["Certificado"]))
        if not cert.verify_sha256(cadena.encode(), base64.b64decode(cfdi["Sello"])):
            raise SystemExit(f"FAILED: satcfdi says the Sello of {path} does not verify")

    one(files[0])  # imports, lazy catalogs and the cached XSLT: not timed
    t0 = time.perf_counter()
    for path in files:
        one(path)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- Reference B: the floor


def _floor_setup(files: list[Path]):  # type: ignore[no-untyped-def]
    from cryptography import x509

    from cfdi_ar.io.xml import parse_untrusted
    from cfdi_ar.sat.cadena import cadena_cfdi40
    from cfdi_ar.sat.xsd import schema_validator

    schema = schema_validator().compiled().schema  # lean schema: CFDI 4.0 + TFD 1.1 + Pagos 2.0 + implocal
    first = parse_untrusted(files[0].read_bytes())
    public_key = x509.load_der_x509_certificate(base64.b64decode(first.get("Certificado"))).public_key()
    cadena_cfdi40(first)
    return parse_untrusted, schema, cadena_cfdi40, public_key


def floor(files: list[Path]) -> float:
    """Parse, lean XSD, cadena, one RSA-SHA256 verify: the least any full validator must do."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parse, schema, cadena, key = _floor_setup(files)
    pkcs1, sha256, b64 = padding.PKCS1v15(), hashes.SHA256(), base64.b64decode
    t0 = time.perf_counter()
    for path in files:
        with open(path, "rb") as fh:
            root = parse(fh.read())
        if not schema.validate(root):
            raise SystemExit(f"FAILED: floor: {path} is not schema-valid: {schema.error_log}")
        key.verify(b64(root.get("Sello")), cadena(root), pkcs1, sha256)  # raises InvalidSignature
    return time.perf_counter() - t0


def floor_breakdown(files: list[Path]) -> dict[str, float]:
    """µs per document of each floor stage (separately timed; for the README and the profile)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from cfdi_ar.sat.cadena import cadena_cfdi40_xslt

    parse, schema, cadena, key = _floor_setup(files)
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    t = {"read": 0.0, "parse": 0.0, "xsd (lean)": 0.0, "cadena (cfdi-ar)": 0.0, "cadena (SAT XSLT)": 0.0, "RSA verify": 0.0}
    pc = time.perf_counter
    for path in files:
        t0 = pc()
        with open(path, "rb") as fh:
            data = fh.read()
        t1 = pc()
        root = parse(data)
        t2 = pc()
        schema.validate(root)
        t3 = pc()
        cad = cadena(root)
        t4 = pc()
        cadena_cfdi40_xslt(root)
        t5 = pc()
        sig = base64.b64decode(root.get("Sello"))
        key.verify(sig, cad, pkcs1, sha256)
        t6 = pc()
        for k, a, b in (("read", t0, t1), ("parse", t1, t2), ("xsd (lean)", t2, t3), ("cadena (cfdi-ar)", t3, t4),
                        ("cadena (SAT XSLT)", t4, t5), ("RSA verify", t5, t6)):
            t[k] += b - a
    return {k: v / len(files) * 1e6 for k, v in t.items()}


# --------------------------------------------------------------------------- report


def machine_info() -> list[tuple[str, str]]:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend as ossl
    from lxml import etree

    import cfdi_ar

    try:
        from importlib.metadata import version

        satcfdi_v = version("satcfdi")
    except Exception:  # noqa: BLE001
        satcfdi_v = "?"
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    v = lambda t: ".".join(map(str, t))  # noqa: E731
    return [
        ("python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("platform", platform.platform()),
        ("cpu", f"{cpu}; os.cpu_count()={os.cpu_count()}, usable={usable}"),
        ("lxml", f"{v(etree.LXML_VERSION)}, libxml2 {v(etree.LIBXML_VERSION)} (compiled {v(etree.LIBXML_COMPILED_VERSION)}), "
                 f"libxslt {v(etree.LIBXSLT_VERSION)}"),
        ("cryptography", f"{cryptography.__version__} ({ossl.openssl_version_text()})"),
        ("satcfdi", satcfdi_v),
        ("cfdi-ar", f"{getattr(cfdi_ar, '__version__', '?')} ({Path(cfdi_ar.__file__).parent})"),
    ] + ([("note", "PYTHONDONTWRITEBYTECODE is set: modules without a .pyc are compiled at every start-up")]
         if os.environ.get("PYTHONDONTWRITEBYTECODE") else [])


def _median_text(times: list[float]) -> str:
    if len(times) == 1:
        return f"{times[0]:.2f} s"
    return f"{statistics.median(times):.2f} s (median of {len(times)}: {', '.join(f'{t:.2f}' for t in times)})"


def _ratio(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    if x >= 0.1:
        return f"{x:.2f}x"
    return f"{x:.4f}x"


def _rate(n: int, s: float) -> float:
    return n / s if s > 0 else float("inf")


def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"--out {out}: the folder exists and is not empty (and was not made by this benchmark)")
    if out.exists():
        for name in ("cfdi", "sat-certs"):
            shutil.rmtree(out / name, ignore_errors=True)
        (out / "ca.cer").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by cfdi-ar benchmarks/validate.py; its contents are replaced on re-runs\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=None, help=f"documents to generate and validate (default {TARGET_N:,})")
    p.add_argument("--quick", action="store_true", help="smoke run: N=1,000 (unless --n), satcfdi subsample 20")
    p.add_argument("--satcfdi-n", type=int, default=None, help="documents for the satcfdi reference (default 50)")
    p.add_argument("--jobs", default="1,2,0", help="comma-separated cfdi-ar --jobs values (default 1,2,0; "
                   "0 = one per CPU, skipped when equal to a value already listed)")
    p.add_argument("--repeat", type=int, default=None, help="time each cfdi-ar run and the floor this many times and report "
                   "the median (default 3; 1 for --quick)")
    p.add_argument("--out", type=Path, default=None, help="generate into DIR and keep it (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (corpus and JSON reports)")
    p.add_argument("--seed", type=int, default=2026, help="corpus random seed (keys, seals and stamps still differ per run)")
    p.add_argument("--gen-workers", type=int, default=os.cpu_count() or 1, help="processes for generation (default: all CPUs)")
    p.add_argument("--no-breakdown", action="store_true", help="skip the per-stage breakdown of the floor")
    a = p.parse_args(argv)
    a.n = a.n or (1000 if a.quick else TARGET_N)
    a.satcfdi_n = a.satcfdi_n or (20 if a.quick else 50)
    a.repeat = a.repeat or (1 if a.quick else 3)
    cpus = os.cpu_count() or 1
    jobs: list[int] = []
    for tok in a.jobs.split(","):
        j = int(tok)
        if j < 0:
            p.error("--jobs values must be >= 0")
        if j == 0 and cpus in jobs:
            continue
        if j not in jobs and not (j > 0 and 0 in jobs and j == cpus):
            jobs.append(j)
    a.jobs = jobs
    if a.n < 2 or a.satcfdi_n < 1 or a.repeat < 1:
        p.error("--n must be >= 2, --satcfdi-n and --repeat >= 1")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.n
    cpus = os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="cfdi-ar-bench-"))
    try:
        if args.out:
            _prepare_out(args.out)
            folder = args.out.resolve()
        else:
            folder = tmp / "corpus"
            folder.mkdir()
        workdir = tmp / "run"  # the CLI's cwd: no ./cfdi-ar.toml, no repository checkout on sys.path
        workdir.mkdir()

        print("cfdi-ar validation benchmark", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        for k, v in machine_info():
            print(f"  {k:13} {v}")
        print()

        corpus = generate(folder, n, args.seed, max(1, args.gen_workers))
        print(f"corpus: {n:,} documents ({corpus.invoices:,} invoices I, {corpus.payments:,} payment receipts P; "
              f"{corpus.bytes / n / 1024:.1f} KiB average) in {corpus.folder}")
        print(f"  generated in {corpus.seconds:.1f} s with {args.gen_workers} processes "
              f"({_rate(n, corpus.seconds):,.0f} docs/s; not part of any figure)")
        print()

        # Untimed warm-up: byte-compiles cfdi_ar/satcfdi if needed and warms the OS caches.
        warm = subprocess.run(cli_command(corpus, 1)[:-1] + [os.fspath(corpus.files[0])], cwd=workdir,
                              env=_clean_env(), capture_output=True)
        if warm.returncode != 0:
            raise SystemExit(f"FAILED: warm-up run exited {warm.returncode}: {warm.stderr.decode(errors='replace')[-2000:]}")

        rows: list[tuple[str, float, str]] = []  # figure, docs/s, note
        cli: dict[int, float] = {}
        for jobs in args.jobs:
            times = [run_cli(corpus, jobs, tmp / f"report-jobs{jobs}.json", workdir) for _ in range(args.repeat)]
            cli[jobs] = statistics.median(times)
            eff = jobs or cpus
            print(f"cfdi-ar --jobs {jobs}: {_median_text(times)} for {n:,} documents, start-up included "
                  f"({_rate(n, cli[jobs]):,.0f} docs/s; each report checked: {n:,} results, all valid, all checks pass)")
            rows.append((f"cfdi-ar CLI --jobs {jobs}" + (f" (= {eff})" if jobs == 0 else ""), _rate(n, cli[jobs]),
                         f"{eff} process{'es' if eff > 1 else ''}, incl. start-up"))

        step = max(1, n // args.satcfdi_n)
        sub = corpus.files[::step][: args.satcfdi_n]
        sat_s = satcfdi_pipeline(sub)
        sat_rate = _rate(len(sub), sat_s)
        kinds = sum(1 for f in sub if f.name.endswith("-P.xml"))
        print(f"satcfdi pipeline: {sat_s:.2f} s for {len(sub)} documents ({len(sub) - kinds} I, {kinds} P) "
              f"({sat_rate:,.1f} docs/s, 1 process, start-up excluded)")

        floor_times = [floor(corpus.files) for _ in range(args.repeat)]
        floor_s = statistics.median(floor_times)
        floor_rate = _rate(n, floor_s)
        print(f"floor: {_median_text(floor_times)} for {n:,} documents ({floor_rate:,.0f} docs/s, 1 process, start-up excluded)")
        rows.append(("satcfdi pipeline (ref A)", sat_rate, f"1 process, {len(sub)} docs, excl. start-up"))
        rows.append(("floor (ref B)", floor_rate, "1 process, excl. start-up"))

        if not args.no_breakdown:
            bd = floor_breakdown(corpus.files)
            print("floor stages, µs per document (timed separately): "
                  + ", ".join(f"{k} {v:.0f}" for k, v in bd.items()))
        print()

        w = max(len(r[0]) for r in rows)
        print(f"{'figure':{w}}  {'docs/s':>9}  {'vs floor':>8}  {'vs satcfdi':>10}  note")
        print(f"{'-' * w}  {'-' * 9}  {'-' * 8}  {'-' * 10}  ----")
        for name, rate, note in rows:
            print(f"{name:{w}}  {(f'{rate:,.1f}' if rate < 100 else f'{rate:,.0f}'):>9}  {_ratio(rate / floor_rate):>8}  {_ratio(rate / sat_rate):>10}  {note}")
        print()
        if 1 in cli and 2 in cli:
            print(f"speed-up --jobs 2 vs --jobs 1: {cli[1] / cli[2]:.2f}x (ideal {min(2, cpus)}.0 on {cpus} CPUs)")
        if 0 in cli and 1 in cli and cpus != 2:
            print(f"speed-up --jobs 0 ({cpus}) vs --jobs 1: {cli[1] / cli[0]:.2f}x (ideal {cpus}.0)")
        if 1 in cli:
            per_core = _rate(n, cli[1])
            ok = per_core >= TARGET_DOCS_PER_S
            cond = "" if n >= TARGET_N else f"  [N={n:,} < {TARGET_N:,}: not the target's conditions]"
            print(f"target: cfdi-ar >= {TARGET_DOCS_PER_S:,} documents/s per core including start-up over "
                  f"{TARGET_N:,} documents: {'PASS' if ok else 'FAIL'} ({per_core:,.0f} docs/s with --jobs 1){cond}")
        else:
            print("target: not evaluated (--jobs 1 was not run)")
        print()
        print("commands (cwd: a temporary folder, CFDI_AR_* variables removed):")
        for jobs in args.jobs:
            print("  " + shlex.join(cli_command(corpus, jobs)) + f" > report-jobs{jobs}.json")
        print(f"  reference A and B: in this script ({Path(__file__).name}), functions satcfdi_pipeline() and floor()")
        if args.keep or args.out:
            print(f"kept: corpus {corpus.folder}" + (f", reports {tmp}" if args.keep else ""))
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
