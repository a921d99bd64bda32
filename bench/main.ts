// `npm run bench -- <suite> [--quick]`: benchmarks live here, never in the tests.
//   kernels   GFLOP/s of the convolution kernels at Lightweight OpenPose's shapes, one thread
const SUITES: Record<string, (quick: boolean) => Promise<void>> = {
  kernels: async (quick) => {
    const { benchKernels, printKernelTable } = await import('./kernels.js');
    printKernelTable(await benchKernels({ quick }));
  },
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
  const suite = SUITES[name];
  if (suite === undefined) {
    console.error(`unknown benchmark suite '${name}'; suites: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  await suite(quick);
}
