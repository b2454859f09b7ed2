package dev.varco.eval.run;

import dev.varco.eval.client.ChatClient;
import dev.varco.eval.data.Benchmark;
import dev.varco.eval.prompt.PromptStyle;
import java.nio.file.Path;

/**
 * What one run needs besides its data.
 *
 * @param model the model name sent, or null to let the endpoint use its own
 * @param limit the first N items of the file (Long.MAX_VALUE for all)
 * @param judge K-LLaVA-W's judge endpoint, or null to collect answers only
 * @param judgeModel the judge's model name, or null
 */
public record EvalSettings(
    Benchmark benchmark,
    PromptStyle promptStyle,
    ChatClient client,
    String model,
    int maxTokens,
    long limit,
    int concurrency,
    Path outDir,
    ChatClient judge,
    String judgeModel) {}
