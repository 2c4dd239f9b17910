// Resolve hook: makes every `import 'express'` (the library's and the tests') load Express 4,
// installed as the `express4` alias, so the whole HTTP suite runs against Express 4.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'express') return nextResolve('express4', context);
  return nextResolve(specifier, context);
}
