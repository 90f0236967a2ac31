#!/usr/bin/env python3
"""`make bench`: Loupe's workloads and their PyTorch twins, interleaved in one run.

Each round runs every workload once on each side, in alternating order, each in its own
process (`loupe bench workloads --only W --json`, `pytorch_bench.py --only W --json`), so
a busy spell on the shared machine hits both sides alike. Minimum and median are taken
over all timed runs of all rounds; the speed-up is PyTorch's time over Loupe's. The load
average is recorded before every round. Each round also measures the machine's FMA peak
(`loupe bench kernels`, best over rounds): every workload's GFLOP/s is reported as a fraction
of it, the physical limit. The CPU and the OpenBLAS core Loupe ran are recorded as Loupe
reports them. Writes bench/results.json.

PyTorch's OpenMP workers spin while they wait (OMP_WAIT_POLICY=ACTIVE, GNU's default); on a
shared machine the spinning thread competes with whatever else runs and 2-thread PyTorch
became 3–20× slower than with passive waiting, even slower than 1 thread. The PyTorch side
therefore runs with OMP_WAIT_POLICY=PASSIVE, its best showing here (--pytorch-omp-default
keeps PyTorch's default instead).

Only the standard library is needed here; PyTorch is used when the interpreter given by
--python (default: the venv of `make bench-setup`) can import torch.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAMES = ["W0_sgemm", "W1_b1", "W1_b8", "W2_b1", "W2_b8", "W3_128", "W3_224", "W4_train", "W4_pgd", "W5_deconv",
         "W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion", "W7_autoattack", "W8_tsne_sklearn", "W8_tsne_opentsne"]
VENV = os.path.join(os.environ.get("LOUPE_HOME", os.path.expanduser("~/.cache/loupe")), "bench-venv")
# The goals (issue #16): PyTorch time ÷ Loupe time at least this, on Intel and AMD alike.
GOALS = {"W0_sgemm": 0.9, "W1_b1": 2.0, "W1_b8": 2.0, "W2_b8": 2.0, "W3_128": 2.0, "W3_224": 2.0,
         "W4_train": 1.5, "W4_pgd": 2.0, "W5_deconv": 1.5,
         # Issue #17: Score-CAM against pytorch-grad-cam, LIME and KernelSHAP against Captum,
         # deletion + insertion against a batched PyTorch loop.
         "W6_scorecam": 1.5, "W6_lime": 1.5, "W6_kernelshap": 1.5, "W6_deletion": 1.5,
         # Issue #18: AutoAttack against torchattacks; #19: t-SNE against the faster of
         # scikit-learn and openTSNE (so each of the two W8 rows must reach 1.0).
         "W7_autoattack": 2.0, "W8_tsne_sklearn": 1.0, "W8_tsne_opentsne": 1.0}
# Slow workloads run once per process; the rest repeat within each process as well.
SLOW = {"W4_train", "W4_pgd", "W5_deconv", "W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion", "W7_autoattack",
        "W8_tsne_sklearn", "W8_tsne_opentsne"}
# W7 and W8 evaluate a PGD-trained fashion-cnn: trained once (a few minutes) and cached.
TRAINED = {"W7_autoattack", "W8_tsne_sklearn", "W8_tsne_opentsne"}
# W6 explains one photo on both sides: Loupe writes the preprocessed image, its SLIC
# superpixels, the saliency map and the deletion substrate here for the PyTorch twins.
ATTRIBUTION = {"W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion"}
FASHION_MODEL = os.path.join(os.environ.get("LOUPE_HOME", os.path.expanduser("~/.cache/loupe")), "bench",
                             "fashion-cnn-pgd.safetensors")


def ensure_fashion_model(loupe, path):
    """A PGD-trained fashion-cnn (the README's recipe, ε 0.1, α 0.01, 7 steps, cosine
    schedule, but 2 epochs instead of 5), trained by Loupe when it is not there yet."""
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    print(f"training the PGD fashion-cnn for W7/W8 into {path} (once)", file=sys.stderr)
    subprocess.run([loupe, "train", "--epochs", "2", "--schedule", "cosine", "--adversarial", "pgd", "--eps", "0.1",
                    "--alpha", "0.01", "--steps", "7", "--out", path], check=True, stdout=subprocess.DEVNULL)


def load():
    """1-minute load average and runnable tasks, to judge how shared the machine was."""
    try:
        with open("/proc/loadavg") as f:
            parts = f.read().split()
        return {"loadavg_1m": float(parts[0]), "runnable": int(parts[3].split("/")[0])}
    except OSError:
        return {}


def machine(python, torch_version):
    info = {"platform": platform.platform(), "cores": os.cpu_count(), "threads": 2}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/cpuinfo") as f:
            flags = next((l for l in f if l.startswith("flags")), "").split()
        info["avx2"], info["fma"], info["avx512f"] = "avx2" in flags, "fma" in flags, "avx512f" in flags
        with open("/proc/meminfo") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    info["torch"] = torch_version
    info["python"] = python if torch_version else None
    info["blas_threads"] = "single-threaded OpenBLAS per Loupe worker"
    return info


def run_json(cmd, env=None):
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    line = [l for l in proc.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line), time.time() - start


def torch_version(python):
    if not python or not os.path.exists(python):
        return None
    proc = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=5, help="timed runs per process (fast workloads)")
    parser.add_argument("--only", help="comma-separated workloads")
    parser.add_argument("--images", type=int, default=10_000, help="images for W4_train and W4_pgd")
    parser.add_argument("--loupe", default=os.path.join(ROOT, ".build", "release", "loupe"))
    parser.add_argument("--python", default=os.path.join(VENV, "bin", "python"))
    parser.add_argument("--no-pytorch", action="store_true")
    parser.add_argument("--pytorch-omp-default", action="store_true",
                        help="leave OMP_WAIT_POLICY to PyTorch's default (spinning)")
    parser.add_argument("--fashion-model", default=FASHION_MODEL,
                        help="fashion-cnn checkpoint for W7 and W8 (trained here when missing)")
    parser.add_argument("--out", default=os.path.join(HERE, "results.json"))
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args()

    names = args.only.split(",") if args.only else NAMES
    for n in names:
        if n not in NAMES:
            parser.error(f"unknown workload {n}; workloads: {', '.join(NAMES)}")
    if "W0_sgemm" not in names:
        names = ["W0_sgemm"] + names  # the ceiling every fraction is taken against
    if TRAINED & set(names):
        ensure_fashion_model(args.loupe, args.fashion_model)
    attribution_inputs = None
    if ATTRIBUTION & set(names):
        attribution_inputs = tempfile.mkdtemp(prefix="loupe-w6-")
        subprocess.run([args.loupe, "bench", "workloads", "--export-attribution-inputs", attribution_inputs], check=True,
                       stdout=subprocess.DEVNULL)
    tv = None if args.no_pytorch else torch_version(args.python)
    if not tv and not args.no_pytorch:
        print(f"PyTorch not importable from {args.python}: Loupe only (make bench-setup installs it)", file=sys.stderr)

    torch_env = dict(os.environ)
    if not args.pytorch_omp_default:
        torch_env["OMP_WAIT_POLICY"] = "PASSIVE"
    times = {n: {"loupe": [], "pytorch": []} for n in names}
    rss = {n: {"loupe": 0.0, "pytorch": 0.0} for n in names}
    flops, images, notes, loads = {}, {}, {}, []
    peak, loupe_machine, kernels = None, {}, None
    for r in range(args.rounds):
        loads.append(load())
        print(f"round {r + 1}/{args.rounds}  load {loads[-1].get('loadavg_1m', '?')}", file=sys.stderr)
        # `--only sgemm` matches no conv kernel: SGEMM and the FMA peak alone.
        kernel_bench, _ = run_json([args.loupe, "bench", "kernels", "--json", "--only", "sgemm", "--repetitions", "3"])
        loupe_machine = kernel_bench["machine"]
        if peak is None or kernel_bench["fma_peak"]["gflops"] > peak["gflops"]:
            peak = kernel_bench["fma_peak"]
        print(f"  {'FMA peak':<10} {'loupe':<8} {peak['gflops']:10.1f} GFLOP/s ({peak['isa']}, "
              f"{peak['flops_per_cycle_per_thread']:.1f} flops/cycle/thread at {peak['clock_ghz']:.2f} GHz)", file=sys.stderr)
        for n in names:
            reps = 1 if n in SLOW else args.repetitions
            common = ["--only", n, "--json", "--repetitions", str(reps), "--threads", "2", "--images", str(args.images)]
            if n in TRAINED:
                common += ["--fashion-model", args.fashion_model]
            sides = [("loupe", [args.loupe, "bench", "workloads"] + common, None)]
            if tv:
                extra = ["--attribution-inputs", attribution_inputs] if n in ATTRIBUTION else []
                sides.append(("pytorch", [args.python, os.path.join(HERE, "pytorch_bench.py")] + common + extra, torch_env))
            if r % 2 == 1:
                sides.reverse()
            for side, cmd, env in sides:
                out, _ = run_json(cmd, env)
                w = out["workloads"][0]
                times[n][side] += w["times_ms"]
                rss[n][side] = max(rss[n][side], w.get("peak_rss_mb") or 0)
                if side == "loupe":
                    flops[n] = w["gflops"] * w["loupe_ms"] / 1000  # GFLOP per run
                    images[n], notes[n] = w.get("images"), w.get("note")
                    kernels = out.get("kernel_variant")
                print(f"  {n:<10} {side:<8} min {min(w['times_ms']):10.1f} ms", file=sys.stderr)
    loads.append(load())
    if attribution_inputs:
        shutil.rmtree(attribution_inputs, ignore_errors=True)

    sgemm = flops["W0_sgemm"] / (min(times["W0_sgemm"]["loupe"]) / 1000)
    workloads = []
    for n in names:
        lt, pt = times[n]["loupe"], times[n]["pytorch"]
        lmin, pmin = min(lt), (min(pt) if pt else None)
        entry = {
            "name": n,
            "loupe_ms": round(lmin, 3),
            "loupe_median_ms": round(statistics.median(lt), 3),
            "pytorch_ms": round(pmin, 3) if pmin else None,
            "pytorch_median_ms": round(statistics.median(pt), 3) if pt else None,
            "speedup": round(pmin / lmin, 3) if pmin else None,
            "speedup_median": round(statistics.median(pt) / statistics.median(lt), 3) if pt else None,
            "gflops": round(flops[n] / (lmin / 1000), 2),
            "fraction_of_sgemm": round(flops[n] / (lmin / 1000) / sgemm, 3),
            "fraction_of_peak": round(flops[n] / (lmin / 1000) / peak["gflops"], 3),
            "peak_rss_mb": round(rss[n]["loupe"], 1),
            "pytorch_peak_rss_mb": round(rss[n]["pytorch"], 1) if pt else None,
            "runs": {"loupe": len(lt), "pytorch": len(pt)},
            "goal_speedup": GOALS.get(n),
            "goal_met": (pmin / lmin >= GOALS[n]) if (pmin and n in GOALS) else None,
            "note": notes.get(n),
        }
        if images.get(n):
            entry["images"] = images[n]
            entry["loupe_images_per_s"] = round(images[n] / (lmin / 1000), 1)
            if pmin:
                entry["pytorch_images_per_s"] = round(images[n] / (pmin / 1000), 1)
        workloads.append(entry)

    result = {"machine": machine(args.python, tv) | loupe_machine | {"fma_peak": peak, "load": loads, "rounds": args.rounds,
                                                       "kernel_variant": kernels,
                                                       "pytorch_omp_wait_policy":
                                                           None if args.pytorch_omp_default else "PASSIVE",
                                                       "date": time.strftime("%Y-%m-%d %H:%M")},
              "workloads": workloads}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    def fmt(v, spec):
        return format(v, spec) if v is not None else format("-", ">" + spec.split(".")[0])
    header = f"{'workload':<11}{'Loupe ms':>10}{'(median)':>10}{'PyTorch ms':>12}{'(median)':>10}{'speed-up':>10}" \
             f"{'goal':>6}{'GFLOP/s':>9}{'of sgemm':>10}{'of peak':>9}{'peak MB':>9}"
    print(f"{loupe_machine.get('cpu')} ({loupe_machine.get('cpu_vendor')} family {loupe_machine.get('cpu_family')} "
          f"model {loupe_machine.get('cpu_model')}); {loupe_machine.get('blas')}, core {loupe_machine.get('blas_core')} "
          f"({loupe_machine.get('blas_core_selection')}); FMA peak {peak['gflops']:.1f} GFLOP/s ({peak['isa']}, "
          f"{peak['threads']} threads)")
    print(header)
    for w in workloads:
        goal = f"{w['goal_speedup']}×" if w["goal_speedup"] else ""
        mark = "" if w["goal_met"] is None else (" ok" if w["goal_met"] else " NO")
        print(f"{w['name']:<11}{w['loupe_ms']:>10.1f}{w['loupe_median_ms']:>10.1f}{fmt(w['pytorch_ms'], '12.1f')}"
              f"{fmt(w['pytorch_median_ms'], '10.1f')}{fmt(w['speedup'], '9.2f')}×{goal:>6}{w['gflops']:>9.1f}"
              f"{w['fraction_of_sgemm']:>10.3f}{w['fraction_of_peak']:>9.3f}{w['peak_rss_mb']:>9.0f}{mark}")
    print(f"load average per round: {[l.get('loadavg_1m') for l in loads]}; wrote {os.path.relpath(args.out)}")
    if args.markdown:
        print()
        print("| workload | Loupe ms (min / median) | PyTorch ms (min / median) | speed-up | goal | GFLOP/s | of sgemm | of peak | peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|")
        for w in workloads:
            goal = f"≥ {w['goal_speedup']}× {'met' if w['goal_met'] else 'not met'}" if w["goal_met"] is not None else ""
            pt = f"{w['pytorch_ms']:.1f} / {w['pytorch_median_ms']:.1f}" if w["pytorch_ms"] else "-"
            sp = f"{w['speedup']:.2f}×" if w["speedup"] else "-"
            print(f"| {w['name']} | {w['loupe_ms']:.1f} / {w['loupe_median_ms']:.1f} | {pt} | {sp} | {goal} | "
                  f"{w['gflops']:.1f} | {w['fraction_of_sgemm']:.2f} | {w['fraction_of_peak']:.2f} | {w['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
