package dev.varco.gateway.chat;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Limits the gateway enforces on a chat turn before it reaches a backend. */
@ConfigMapping(prefix = "varco.gateway")
public interface ChatLimits {

  /** Largest request body accepted, in bytes (images travel base64-encoded inside it). */
  @WithDefault("67108864")
  long maxBodyBytes();

  /**
   * Longest a request body may take to arrive, from the request's start: an upload that stalls
   * or trickles is answered 408 and its connection closed, so it gives its key's slot back.
   */
  @WithDefault("PT60S")
  Duration bodyReadTimeout();

  /** Most images in one request (the whole conversation counts). */
  @WithDefault("8")
  int maxImages();

  /** Largest single image file, in bytes after base64 decoding. */
  @WithDefault("20971520")
  int maxImageBytes();

  /** Most messages in one conversation. */
  @WithDefault("256")
  int maxMessages();

  /**
   * Most characters (UTF-16 units) of text in one message. Checked before anything is tokenized,
   * so a huge text is refused at once instead of after tokenizing it; far above what fits the
   * context (a Qwen token averages 1-4 characters).
   */
  @WithDefault("131072")
  int maxMessageChars();

  /** Most characters (UTF-16 units) of text in one request, all messages together; as above. */
  @WithDefault("262144")
  int maxRequestChars();

  /** Largest max_tokens a client may ask for. */
  @WithDefault("8192")
  int maxCompletionTokens();
}
