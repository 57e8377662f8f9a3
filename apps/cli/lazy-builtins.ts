import { builtinModules, createRequire } from 'node:module';
import type { Options } from 'tsup';

/** An esbuild plugin, as tsup takes them. */
type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const require = createRequire(import.meta.url);

/**
 * An esbuild plugin for the `gdhttp` bundle: the Node built-ins named here are loaded when first
 * used instead of when the command starts. Each `import { x } from 'node:tls'` in the bundled
 * layers gets a stand-in for `x` that loads `node:tls` (with `process.getBuiltinModule`, Node
 * ≥ 20.16) on its first call, `new`, property read or `instanceof`, and forwards to the real one.
 * A plain http request to an IP address then never loads TLS, crypto, zlib, worker threads or the
 * resolver (milliseconds of each start: README.md, "Startup"), and a request that needs one pays
 * the same cost a moment later.
 *
 * Only functions and classes have stand-ins: a value (a constants object, `parentPort`) imported
 * from one of these modules fails the build ("No matching export"), so nothing is silently
 * wrong. The libraries stay as they are; this is a property of the command's bundle.
 *
 * @param names - built-in module names, without `node:`.
 * @returns the plugin.
 */
export function lazyBuiltins(names: readonly string[]): Plugin {
  for (const name of names) {
    if (!builtinModules.includes(name)) throw new Error(`lazyBuiltins: '${name}' is no built-in`);
  }
  const pattern = names.map((name) => name.replace(/[/]/g, '\\/')).join('|');
  const filter = new RegExp(`^(node:)?(${pattern})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => ({
        path: args.path.replace(/^node:/, ''),
        namespace: 'lazy-builtin',
      }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const id = `node:${args.path}`;
        const real = require(id) as Record<string, unknown>;
        const lines = [
          `// ${id}, loaded on first use (apps/cli/lazy-builtins.ts).`,
          'let loaded;',
          `const load = () => (loaded ??= process.getBuiltinModule(${JSON.stringify(id)}));`,
          'const lazy = (name) =>',
          '  new Proxy(function () {}, {',
          '    apply: (_, self, args) => Reflect.apply(load()[name], self, args),',
          '    construct: (_, args) => Reflect.construct(load()[name], args),',
          '    get: (_, key) => {',
          '      const target = load()[name];',
          '      return key === Symbol.hasInstance ? (value) => value instanceof target : target[key];',
          '    },',
          '  });',
        ];
        for (const [name, value] of Object.entries(real)) {
          if (typeof value === 'function' && /^[A-Za-z_$][\w$]*$/.test(name)) {
            lines.push(`export const ${name} = lazy(${JSON.stringify(name)});`);
          }
        }
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}

/**
 * An esbuild plugin for `gdhttp`'s core, a classic script (see src/bin.ts): every other Node
 * built-in the bundle imports is taken from `process.getBuiltinModule` when the core starts, so the
 * script holds no `import` and no `require` — it is neither an ES module nor CommonJS, and the
 * loader can compile it with a V8 code cache. Put {@link lazyBuiltins} first: the modules it
 * names stay lazy.
 *
 * @returns the plugin.
 */
export function builtinsFromProcess(): Plugin {
  return {
    name: 'builtins-from-process',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, '');
        if (!builtinModules.includes(name)) return undefined;
        return { path: name, namespace: 'builtin-from-process' };
      });
      build.onLoad({ filter: /.*/, namespace: 'builtin-from-process' }, (args) => {
        const id = `node:${args.path}`;
        const real = require(id) as Record<string, unknown>;
        const names = Object.keys(real).filter(
          (name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name),
        );
        // One export per name, each a pure call: esbuild drops the ones nothing imports, so
        // no lazy getter of the module (`fs.promises`, `net.BlockList`, `buffer.File`…) is
        // read, and nothing it would load is loaded, unless the bundle uses it.
        return {
          contents: [
            `// ${id}, taken when the core starts (apps/cli/lazy-builtins.ts).`,
            `const m = process.getBuiltinModule(${JSON.stringify(id)});`,
            'const pick = (name) => m[name];',
            'export default m;',
            ...names.map(
              (name) => `export const ${name} = /* @__PURE__ */ pick(${JSON.stringify(name)});`,
            ),
          ].join('\n'),
          loader: 'js',
        };
      });
    },
  };
}
