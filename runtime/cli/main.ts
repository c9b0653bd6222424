/**
 * The `sluice` command line. Each command lives in its own module and is loaded on demand, so
 * `sluice devices` does not pay for onnxruntime and `sluice bench` does not pay for the demo.
 */

import { SluiceError } from "../../kernels/errors.js";

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  demo: {
    summary: "run the image-classification pipeline on generated images and a generated model",
    usage: "sluice demo [--images N] [--batch N] [--dir DIR] | sluice demo --kernels [--backend js|wasm|webgpu]",
    run: async (args) => (await import("./demo-command.js")).demoCommand(args),
  },
  run: {
    summary: "run a pipeline spec file (YAML or JSON) with live progress and a summary",
    usage: "sluice run SPEC [--quiet] [--explain] [--json FILE]",
    run: async (args) => (await import("./run-command.js")).runCommand(args),
  },
  explain: {
    summary: "print a spec file's physical plan: regions, fused operators, parallelism, backends",
    usage: "sluice explain SPEC",
    run: async (args) => (await import("./run-command.js")).explainCommand(args),
  },
  ops: {
    summary: "list the built-in ops, or one op's arguments",
    usage: "sluice ops [OP] [--json]",
    run: async (args) => (await import("./run-command.js")).opsCommand(args),
  },
  devices: {
    summary: "list compute devices (WebGPU adapters, WASM SIMD/threads) and the default choice",
    usage: "sluice devices [--json]",
    run: async (args) => (await import("./devices-command.js")).devicesCommand(args),
  },
  bench: {
    summary: "run benchmarks: kernels, pipeline, batching, memory, checkpoint (`sluice bench` lists them)",
    usage: "sluice bench kernels|pipeline|batching|memory|checkpoint [--json FILE] [--plot FILE.svg] [--quick] (`sluice bench` lists each one's options)",
    run: async (args) => (await import("../../bench/bench-command.js")).benchCommand(args),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "sluice — AI data pipelines on Arrow, WASM SIMD and WebGPU",
    "",
    "usage: sluice <command> [options]",
    "",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `sluice <command> --help` for a command's options.",
  ].join("\n");
}

/** Entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 1;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`sluice: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: ${cmd.usage}`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    // Our own errors carry a message meant for the user; anything else is a bug, so show the stack.
    if (err instanceof SluiceError) {
      console.error(`sluice ${name}: ${err.message}`);
      if (err.cause) console.error(`  caused by: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
    } else {
      console.error(`sluice ${name}: unexpected error`);
      console.error(err);
    }
    return 1;
  }
}
