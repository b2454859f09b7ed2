// Regenerates src/test/resources/tokenizer-fixture.json with an implementation independent of the
// service's (Hugging Face's own JavaScript tokenizers, @huggingface/tokenizers), from the tokenizer
// of the model directory the tests use.
//
// From llm-service/, after a test run has prepared target/tiny-model:
//   node src/test/node/tokenizer-fixture.mjs target/tiny-model/llm src/test/resources/tokenizer-fixture.json
// The package is installed into target/node-fixture (nothing lands in the source tree).
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const PACKAGE = "@huggingface/tokenizers@0.2.0";
const [llmDir, outFile] = process.argv.slice(2);
if (!llmDir || !outFile) {
  console.error("usage: node tokenizer-fixture.mjs <model-dir>/llm <fixture.json>");
  process.exit(2);
}

const prefix = resolve("target/node-fixture");
const entry = resolve(prefix, "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs");
if (!existsSync(entry)) {
  execSync(`npm install --no-audit --no-fund --prefix "${prefix}" ${PACKAGE}`, { stdio: "inherit" });
}
const { Tokenizer } = await import(pathToFileURL(entry).href);

const tokenizerBytes = readFileSync(resolve(llmDir, "tokenizer.json"));
const tokenizer = new Tokenizer(
  JSON.parse(tokenizerBytes.toString("utf8")),
  JSON.parse(readFileSync(resolve(llmDir, "tokenizer_config.json"), "utf8")),
);

const strings = [
  "안녕하세요",
  "안녕하세요, 반갑습니다. 오늘 날씨가 정말 좋네요!",
  "이 이미지에 무엇이 있나요?",
  "대한민국의 수도는 서울입니다.",
  "한",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "VARCO-VISION is NCSOFT's Korean-English vision-language model.",
  "GPU 메모리는 80GB이고, batch size는 16입니다.",
  "서울(Seoul)과 부산(Busan) 사이의 거리는 약 325km.",
  "🙂",
  "고양이 🐱 두 마리 👩‍👩‍👧 family 🇰🇷",
  "   leading and trailing spaces   ",
  "multiple     inner     spaces",
  "line one\nline two\n\nline four",
  "tabs\tbetween\twords\t\t",
  "\r\nwindows\r\nnewlines\r\n",
  "\n\n\n",
  "3.14159 2026 1,234,567 0x1F 007",
  "１２３ full-width digits",
  "<|im_start|>user\n안녕<|im_end|>",
  "<image>\n이 사진을 설명해 주세요.",
  "<gro>\n<obj>두 마리 고양이</obj><bbox>0.014, 0.106, 0.51, 0.996</bbox>",
  "<ocr>",
  "<char>텍스트</char><bbox>0.1, 0.2, 0.3, 0.4</bbox><delim><bbox>0.5, 0.6, 0.7, 0.8</bbox>",
  "<obj>이 물건</obj><bbox>0.039, 0.138, 0.283, 0.257</bbox>은 무엇인가요?",
  "<|endoftext|>",
  "café naïve Straße",
  "日本語と中文も少し",
  "def f(x):\n    return x ** 2  # 제곱",
  "",
];

const cases = strings.map((text) => {
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  const decoded = ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false });
  return { text, ids, decoded };
});

const fixture = {
  generator: `${PACKAGE} (node ${process.version})`,
  command: "node src/test/node/tokenizer-fixture.mjs target/tiny-model/llm src/test/resources/tokenizer-fixture.json",
  tokenizer_sha256: createHash("sha256").update(tokenizerBytes).digest("hex"),
  cases,
};
writeFileSync(outFile, JSON.stringify(fixture, null, 2) + "\n");
console.log(`wrote ${cases.length} cases to ${outFile}`);
