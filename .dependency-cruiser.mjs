/**
 * The layering rules (docs/architecture.md, "Layers"), checked in npm test by
 * test/architecture/layering.test.ts. A rule broken here is a design change: change the rule and the
 * doc together, never one of them alone.
 */
const KERNEL = '^runtime/core/'
const OURS = '^(runtime|drivers|flows|config)/'
/** The only files that load a native hardware module (each loads it lazily, when real hardware is configured). */
const NATIVE_ADAPTERS = '^drivers/(i2c/native-i2c-bus|gpio/onoff-gpio|gpio/pigpio-gpio|serial/serialport-link)\\.ts$'
const NATIVE_MODULES = '(^|node_modules/)(onoff|i2c-bus|pigpio|serialport|@serialport/[^/]+)(/|$)'

export default {
  forbidden: [
    {
      name: 'kernel-imports-nothing-of-ours',
      comment: 'runtime/core is the foundation every layer stands on: it imports no other folder of the project.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: OURS, pathNot: KERNEL },
    },
    {
      name: 'drivers-use-only-the-kernel-of-runtime',
      comment: 'Drivers talk to chips; the application shell composes them, never the other way round.',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^runtime/', pathNot: KERNEL },
    },
    {
      name: 'drivers-do-not-import-config',
      comment: 'Drivers own their option schemas and types (drivers/<device>/*-options.ts); config composes them.',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^config/' },
    },
    {
      name: 'drivers-do-not-import-flows',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^flows/' },
    },
    {
      name: 'flows-do-not-import-runtime',
      comment: 'The flow engine is pure semantics over injected devices and clock; it knows only the kernel.',
      severity: 'error',
      from: { path: '^flows/' },
      to: { path: '^runtime/', pathNot: KERNEL },
    },
    {
      name: 'flows-do-not-import-native-adapters',
      severity: 'error',
      from: { path: '^flows/' },
      to: { path: NATIVE_ADAPTERS },
    },
    {
      name: 'config-does-not-import-runtime',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: '^runtime/', pathNot: KERNEL },
    },
    {
      name: 'only-adapters-load-native-modules',
      comment: 'npm ci and the simulator must work on any Linux machine: native modules stay behind their adapters.',
      severity: 'error',
      from: { path: OURS, pathNot: NATIVE_ADAPTERS },
      to: { path: NATIVE_MODULES },
    },
    {
      name: 'no-circular',
      comment:
        'Two modules that import each other (type imports and lazy import() count) are one module in two files: ' +
        'move what both need into a third, or invert the dependency.',
      severity: 'error',
      from: { path: OURS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
}
