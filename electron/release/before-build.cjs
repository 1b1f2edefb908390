// electron-builder's beforeBuild hook. Answering false tells it that
// node_modules are handled outside it: Key Holder's main, preload and renderer
// are bundles that need no node_modules at run time (electron/build.mjs), so
// nothing is installed, rebuilt or collected into the package. Without this,
// electron-builder falls back to the repository's own dependencies.
exports.default = async function beforeBuild() {
  return false;
};
