package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web chat page at {@code /} in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromedriver}, given to Selenium explicitly, so Selenium Manager never runs and nothing
 * is downloaded) against the real stack: a Korean question with an attached image streams an
 * answer through the Responses API into a conversation the gateway holds, a grounding turn
 * renders its result panel and is recorded in that conversation, and a result built the way the
 * gateway builds it is drawn as boxes over the image at the right place. After a reload the
 * conversation is listed and its turns (the grounding boxes too, from the page's cache) come back
 * from the gateway, and an API client reading the conversation's items sees the same turns. The
 * tiny model answers random tokens, so the real round trip is checked for shape, and the drawing
 * with a known result. Screenshots go to {@code target/screenshots/}.
 */
@ExtendWith(RunningStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebPageSystemTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();
  private static final Path WORK = Path.of("target", "web-page-test").toAbsolutePath();
  private static final Duration ANSWER_TIMEOUT = Duration.ofMinutes(3);

  private static final String QUESTION = "이 그림에 무엇이 있나요?";
  private static final String GROUNDING = "사람을 찾아줘";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ChromeDriver driver;
  private static Path picture;
  /** What the first tests saw, for the reload and API checks. */
  private static String conversationId;
  private static String firstAnswer;
  private static String firstAnswerItem;
  private static String groundingAnswer;
  private static String groundingItem;
  private static int groundingPhrases;

  @BeforeAll
  static void startBrowser() throws IOException {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "the web page test needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
            + "install them with: apt-get install -y chromium chromium-driver (.ci/run does)");
    Files.createDirectories(SCREENSHOTS);
    Files.createDirectories(WORK);
    picture = WORK.resolve("picture.png");
    Files.write(picture, TestImages.png(320, 240));

    // Both paths given: Selenium's DriverFinder then skips Selenium Manager ("path ... specified in
    // Service class"), so no browser or driver is looked up or fetched from the network.
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(WORK.resolve("chromedriver.log").toFile())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=ko-KR",
        "--user-data-dir=" + Files.createTempDirectory(WORK, "profile-")); // a fresh profile each run
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stopBrowser() {
    if (driver != null) {
      driver.quit();
    }
  }

  /**
   * A bubble's text exactly as the page set it (textContent): WebDriver's getText() gives the
   * rendered text, which folds tabs and drops invisible marks the random model does produce.
   */
  private static String textOf(WebElement bubble) {
    return bubble.findElement(By.className("text")).getDomProperty("textContent");
  }

  @Test
  @Order(1)
  void aKoreanQuestionWithAnImageStreamsAnAnswer() {
    driver.get(RunningStack.get().gatewayUrl() + "/");
    wait(Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    if (!"ko".equals(driver.findElement(By.tagName("html")).getDomAttribute("lang"))) {
      driver.findElement(By.id("lang-toggle")).click(); // the browser's language decides the default
    }
    assertEquals("ko", driver.findElement(By.tagName("html")).getDomAttribute("lang"));
    assertEquals("보내기", driver.findElement(By.id("send")).getText());
    setSetting("max-tokens", "24");

    driver.findElement(By.id("file-input")).sendKeys(picture.toString());
    wait(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("preview-image")).isDisplayed());
    WebElement input = driver.findElement(By.id("input"));
    input.sendKeys(QUESTION);
    screenshot("01-question");
    input.sendKeys(Keys.ENTER);

    // Streaming: the bubble is marked streaming and counts the deltas as they arrive (sampled,
    // not greedy, so the random model cannot answer an end-of-text token first every time).
    wait(ANSWER_TIMEOUT).until(d -> !"streaming".equals(lastAssistant().getDomAttribute("data-state"))
        || Integer.parseInt(lastAssistant().getDomAttribute("data-deltas")) > 0);
    screenshot("02-streaming");
    wait(ANSWER_TIMEOUT).until(d -> !"streaming".equals(lastAssistant().getDomAttribute("data-state")));
    WebElement done = lastAssistant();
    screenshot("03-answered");
    assertEquals("done", done.getDomAttribute("data-state"), "answer finished without error: " + done.getText());
    int deltas = Integer.parseInt(done.getDomAttribute("data-deltas"));
    assertTrue(deltas > 1, "the answer arrived in several streamed pieces, got " + deltas);
    assertFalse(textOf(done).isBlank(), "the streamed text is shown");
    List<WebElement> user = driver.findElements(By.cssSelector(".message.user"));
    assertEquals(QUESTION, textOf(user.get(user.size() - 1)));
    assertEquals(1, user.get(user.size() - 1).findElements(By.className("user-image")).size(), "the image is shown in the question");
    // The first turn created the conversation in the gateway, titled with the first question.
    conversationId = driver.findElement(By.id("messages")).getDomAttribute("data-conversation");
    assertTrue(conversationId != null && conversationId.startsWith("conv_"), "a gateway conversation: " + conversationId);
    WebElement listed = driver.findElement(By.cssSelector("#conversation-list li.current"));
    assertEquals(conversationId, listed.getDomAttribute("data-id"));
    assertEquals(QUESTION, listed.findElement(By.className("conversation")).getText());
    // 24 tokens of a random model: cut at max tokens (an end-of-text token among them is a 1-in-thousands chance).
    assertEquals("incomplete", done.getDomAttribute("data-status"), done.getText());
    assertEquals("최대 토큰 수에서 답변이 끊겼습니다", done.findElement(By.className("status")).getText());
    firstAnswer = textOf(done);
    firstAnswerItem = done.getDomAttribute("data-item");
    assertTrue(firstAnswerItem != null && !firstAnswerItem.isBlank(), "the answer knows its recorded item");
  }

  @Test
  @Order(2)
  void aGroundingTurnRendersItsResultPanel() {
    driver.findElement(By.cssSelector("#tasks button[data-task='grounding']")).click();
    driver.findElement(By.id("file-input")).sendKeys(picture.toString());
    wait(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("preview-image")).isDisplayed());
    driver.findElement(By.id("input")).sendKeys(GROUNDING);
    driver.findElement(By.id("send")).click();

    wait(ANSWER_TIMEOUT).until(d -> !"streaming".equals(lastAssistant().getDomAttribute("data-state")));
    WebElement answer = lastAssistant();
    screenshot("04-grounding");
    assertEquals("done", answer.getDomAttribute("data-state"), "grounding finished without error: " + answer.getText());
    assertTrue(answer.findElements(By.className("error")).isEmpty());
    WebElement result = answer.findElement(By.className("task-result"));
    assertEquals("grounding", result.getDomAttribute("data-type"));
    int phrases = Integer.parseInt(result.getDomAttribute("data-phrases"));
    int skipped = Integer.parseInt(result.getDomAttribute("data-skipped"));
    // The summary names the counts; boxes are drawn for every phrase box the (random) answer had.
    String summary = result.findElement(By.className("task-summary")).getText();
    assertTrue(summary.contains("구문 " + phrases + "개") && summary.contains("건너뜀 " + skipped + "개"), summary);
    assertTrue(result.findElements(By.className("box")).size() >= phrases);
    assertEquals(1, result.findElements(By.className("task-image")).size(), "the grounded image is shown");
    // Recorded in the conversation afterwards; the boxes are cached under the recorded answer's id.
    groundingItem = answer.getDomAttribute("data-item");
    assertTrue(groundingItem != null && !groundingItem.isBlank(), "the task turn was recorded: " + answer.getText());
    assertTrue((Boolean) js("return JSON.parse(localStorage.getItem('varco.results') || '{}')[arguments[0]] !== undefined",
        groundingItem), "the result is cached for a reload");
    groundingAnswer = textOf(answer);
    groundingPhrases = phrases;
  }

  @Test
  @Order(3)
  void resultsAreDrawnAsBoxesAtTheirPixelPlacesOverWideAndTallPhotos() throws Exception {
    // Photo-sized, both orientations: the page shows them scaled down, and the boxes must follow the
    // displayed image itself, not a wider or taller frame around it.
    drawAndCheckBoxes(1920, 1080, "05-boxes-wide");
    drawAndCheckBoxes(1080, 1920, "05-boxes-tall");
    drawAndCheckBoxes(320, 240, "05-boxes-small");
  }

  /** Draws a result built as the gateway builds it (README "VARCO tasks") and measures each box. */
  private static void drawAndCheckBoxes(int width, int height, String screenshot) {
    int[][] pixels = {
        {width / 10, height / 10, width / 2, height / 2},
        {width * 6 / 10, height * 2 / 10, width * 9 / 10, height * 7 / 10},
        {0, height / 2, width, height}};
    List<Map<String, Object>> boxes = new ArrayList<>();
    for (int[] p : pixels) {
      boxes.add(Map.of("normalized", List.of((double) p[0] / width, (double) p[1] / height, (double) p[2] / width,
          (double) p[3] / height), "pixels", List.of(p[0], p[1], p[2], p[3])));
    }
    Map<String, Object> result = Map.of(
        "type", "grounding", "image", Map.of("width", width, "height", height), "text", "두 마리 고양이 and a sofa",
        "phrases", List.of(
            Map.of("text", "두 마리 고양이", "start", 0, "end", 8, "boxes", boxes.subList(0, 2)),
            Map.of("text", "a sofa", "start", 13, "end", 19, "boxes", boxes.subList(2, 3))),
        "ocr_lines", List.of(), "skipped", List.of(), "skipped_count", 0);
    WebElement figure = (WebElement) js("return window.varcoDrawResult(arguments[0], arguments[1])",
        result, TestImages.dataUrl("image/jpeg", TestImages.jpeg(width, height)));
    wait(Duration.ofSeconds(10)).until(d -> (Boolean) js(
        "const i = arguments[0].querySelector('img'); return i.complete && i.naturalWidth > 0", figure));
    List<WebElement> drawn = figure.findElements(By.className("box"));
    assertEquals(3, drawn.size());
    assertEquals(List.of("두 마리 고양이", "두 마리 고양이", "a sofa"),
        drawn.stream().map(b -> b.findElement(By.className("box-label")).getText()).toList());
    WebElement image = figure.findElement(By.tagName("img"));
    @SuppressWarnings("unchecked")
    Map<String, Number> shown = (Map<String, Number>) js(
        "const i = arguments[0].getBoundingClientRect(); return {w: i.width, h: i.height};", image);
    double scaleX = shown.get("w").doubleValue() / width;
    double scaleY = shown.get("h").doubleValue() / height;
    assertTrue(scaleX > 0.05 && Math.abs(scaleX - scaleY) < 0.01, "the image keeps its aspect ratio: " + shown);
    for (int i = 0; i < pixels.length; i++) {
      @SuppressWarnings("unchecked")
      Map<String, Number> r = (Map<String, Number>) js(
          "const b = arguments[0].getBoundingClientRect(), i = arguments[1].getBoundingClientRect();"
              + "return {x: b.left - i.left, y: b.top - i.top, w: b.width, h: b.height};", drawn.get(i), image);
      String what = width + "x" + height + " box " + i;
      assertNear(pixels[i][0] * scaleX, r.get("x"), what + " left");
      assertNear(pixels[i][1] * scaleY, r.get("y"), what + " top");
      assertNear((pixels[i][2] - pixels[i][0]) * scaleX, r.get("w"), what + " width");
      assertNear((pixels[i][3] - pixels[i][1]) * scaleY, r.get("h"), what + " height");
    }
    List<Object> colours = drawn.stream().map(b -> js("return getComputedStyle(arguments[0]).borderTopColor", b)).toList();
    assertEquals(colours.get(0), colours.get(1), "the boxes of one phrase share a colour");
    assertFalse(colours.get(0).equals(colours.get(2)), "another phrase has another colour");
    assertEquals("그라운딩: 구문 2개, OCR 줄 0개, 건너뜀 0개", figure.findElement(By.className("task-summary")).getText());
    new org.openqa.selenium.interactions.Actions(driver).scrollToElement(figure).perform();
    screenshot(screenshot);
  }

  @Test
  @Order(4)
  void stopAbortsTheStreamAndTheGatewayCancelsTheGeneration() {
    setSetting("max-tokens", "8000");
    driver.findElement(By.cssSelector("#tasks button[data-task='chat']")).click();
    driver.findElement(By.id("input")).sendKeys("아주 긴 이야기를 써 주세요", Keys.ENTER);
    wait(ANSWER_TIMEOUT).until(d -> Integer.parseInt(lastAssistant().getDomAttribute("data-deltas")) > 2);
    assertEquals("streaming", lastAssistant().getDomAttribute("data-state"));
    assertEquals(1, StackMetrics.llm("vllm:num_requests_running"), "llm-service is decoding");
    driver.findElement(By.id("stop")).click();
    wait(Duration.ofSeconds(20)).until(d -> "stopped".equals(lastAssistant().getDomAttribute("data-state")));
    screenshot("06-stopped");
    assertTrue(driver.findElement(By.id("send")).isDisplayed(), "the send button is back");
    wait(Duration.ofSeconds(15)).until(d -> StackMetrics.llm("vllm:num_requests_running") == 0);
  }

  @Test
  @Order(5)
  void afterAReloadTheConversationComesBackFromTheGateway() {
    driver.navigate().refresh();
    wait(Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    WebElement messages = driver.findElement(By.id("messages"));
    assertEquals("ready", messages.getDomAttribute("data-state"));
    assertEquals(conversationId, messages.getDomAttribute("data-conversation"), "the open conversation is opened again");
    WebElement listed = driver.findElement(By.cssSelector("#conversation-list li.current"));
    assertEquals(conversationId, listed.getDomAttribute("data-id"));
    assertEquals(QUESTION, listed.findElement(By.className("conversation")).getText());

    // The two recorded turns, texts and images from the gateway; the stopped turn was never recorded.
    List<WebElement> bubbles = driver.findElements(By.cssSelector("#messages .message"));
    assertEquals(List.of("message user", "message assistant", "message user", "message assistant"),
        bubbles.stream().map(b -> b.getDomAttribute("class")).toList());
    assertEquals(QUESTION, textOf(bubbles.get(0)));
    assertEquals(1, bubbles.get(0).findElements(By.className("user-image")).size(), "the question's image came back");
    assertEquals(firstAnswer, textOf(bubbles.get(1)));
    assertEquals(firstAnswerItem, bubbles.get(1).getDomAttribute("data-item"));
    assertEquals("최대 토큰 수에서 답변이 끊겼습니다", bubbles.get(1).findElement(By.className("status")).getText(),
        "the cut-at-max-tokens note survives the reload");
    assertEquals(GROUNDING, textOf(bubbles.get(2)));
    assertEquals("그라운딩", bubbles.get(2).findElement(By.className("task-tag")).getText());
    assertEquals(groundingItem, bubbles.get(3).getDomAttribute("data-item"));
    assertEquals(groundingAnswer, textOf(bubbles.get(3)));
    WebElement result = bubbles.get(3).findElement(By.className("task-result"));
    assertEquals(String.valueOf(groundingPhrases), result.getDomAttribute("data-phrases"), "the cached boxes are drawn again");
    assertTrue(result.findElements(By.className("box")).size() >= groundingPhrases);
    assertEquals(1, result.findElements(By.className("task-image")).size(), "over the question's image");
    screenshot("07-reloaded");
  }

  @Test
  @Order(6)
  void anApiClientSeesTheSameConversation() throws Exception {
    JsonNode items = getJson("/v1/conversations/" + conversationId + "/items?order=asc");
    JsonNode data = items.get("data");
    assertEquals(4, data.size(), "two turns recorded: " + items);
    assertEquals(List.of("user", "assistant", "user", "assistant"),
        List.of(data.get(0).get("role").asText(), data.get(1).get("role").asText(),
            data.get(2).get("role").asText(), data.get(3).get("role").asText()));
    assertEquals(List.of("input_image", "input_text"), types(data.get(0)));
    assertEquals(QUESTION, data.get(0).get("content").get(1).get("text").asText());
    assertTrue(data.get(0).get("content").get(0).get("image_url").asText().startsWith("data:image/png;base64,"));
    assertEquals(firstAnswerItem, data.get(1).get("id").asText());
    // Line ends compared as lines: a carriage return in the random answer reached the page's DOM as a plain newline.
    assertEquals(lines(firstAnswer), lines(data.get(1).get("content").get(0).get("text").asText()));
    assertEquals(List.of("input_image", "input_text"), types(data.get(2)), "the task's image and text");
    assertEquals(GROUNDING, data.get(2).get("content").get(1).get("text").asText());
    assertEquals(groundingItem, data.get(3).get("id").asText());
    assertEquals(List.of("output_text"), types(data.get(3)));

    // Listed for the (keyless) caller; other tests' conversations may come first, so follow the pages.
    JsonNode listed = null;
    String after = null;
    do {
      JsonNode list = getJson("/v1/conversations?limit=100" + (after == null ? "" : "&after=" + after));
      for (JsonNode conversation : list.get("data")) {
        if (conversation.get("id").asText().equals(conversationId)) {
          listed = conversation;
        }
      }
      after = list.get("has_more").asBoolean() ? list.get("last_id").asText() : null;
    } while (listed == null && after != null);
    assertTrue(listed != null, "listed by GET /v1/conversations");
    assertEquals(QUESTION, listed.get("metadata").get("title").asText());
  }

  @Test
  @Order(7)
  void aTurnWhileAnApiClientsTurnIsInProgressShowsTheBusyError() throws Exception {
    setSetting("max-tokens", "24");
    // An API client's streamed turn holds the conversation (from before its first byte) ...
    HttpClient http = HttpClient.newHttpClient();
    try {
      String body = JSON.writeValueAsString(Map.of("conversation", conversationId, "input", "아주 긴 이야기를 써 주세요",
          "max_output_tokens", 4000, "temperature", 1.0, "stream", true));
      HttpResponse<java.io.InputStream> stream = http.send(
          HttpRequest.newBuilder(URI.create(RunningStack.get().gatewayUrl() + "/v1/responses"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, stream.statusCode());
      var lines = new java.io.BufferedReader(new java.io.InputStreamReader(stream.body(), java.nio.charset.StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null && !line.contains("response.output_text.delta"); line = lines.readLine()) {
        // up to the first delta: the turn is generating
      }
      // ... so the page's turn in it is refused with 409 conversation_busy, shown as such.
      driver.findElement(By.id("input")).sendKeys("안녕하세요", Keys.ENTER);
      wait(ANSWER_TIMEOUT).until(d -> !"streaming".equals(lastAssistant().getDomAttribute("data-state")));
      WebElement answer = lastAssistant();
      screenshot("08-busy");
      assertEquals("error", answer.getDomAttribute("data-state"), answer.getText());
      String error = answer.findElement(By.className("error")).getText();
      assertTrue(error.contains("409") && error.contains("다른 답변이 생성 중입니다"), error);
      assertTrue(driver.findElement(By.id("send")).isDisplayed(), "send is back");
    } finally {
      http.shutdownNow(); // the API client goes away: the gateway cancels its turn
    }
    wait(Duration.ofSeconds(60)).until(d -> StackMetrics.llm("vllm:num_requests_running") == 0);
    // The browser logs the refused request; nothing else.
    List<String> severe = severeBrowserLogs();
    assertTrue(severe.stream().allMatch(m -> m.contains("/v1/responses") && m.contains("409")), "browser console errors: " + severe);
  }

  @Test
  @Order(8)
  void aFailedFirstTurnLeavesNoConversationAndItsErrorIsInThePagesLanguage() throws Exception {
    int listedBefore = driver.findElements(By.cssSelector("#conversation-list li")).size();
    driver.findElement(By.id("new-chat")).click();
    Path corrupt = WORK.resolve("corrupt.png");
    Files.writeString(corrupt, "this is not a PNG file");
    driver.findElement(By.id("file-input")).sendKeys(corrupt.toString());
    wait(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("preview")).isDisplayed());
    driver.findElement(By.id("input")).sendKeys("이 사진은 무엇인가요?", Keys.ENTER);
    wait(ANSWER_TIMEOUT).until(d -> !"streaming".equals(lastAssistant().getDomAttribute("data-state")));
    WebElement answer = lastAssistant();
    screenshot("10-failed-first-turn");
    assertEquals("error", answer.getDomAttribute("data-state"), answer.getText());
    WebElement error = answer.findElement(By.className("error"));
    // The gateway's 400 is explained in Korean; its own (English) words stay beside it, marked as such.
    assertTrue(error.getText().startsWith("오류 400: 이미지를 읽을 수 없습니다"), error.getText());
    assertEquals("en", error.findElement(By.className("detail")).getDomAttribute("lang"));
    // Nothing was recorded, so the conversation the turn opened is gone: not listed, not on the gateway.
    wait(Duration.ofSeconds(10)).until(d -> "".equals(d.findElement(By.id("messages")).getDomAttribute("data-conversation")));
    assertEquals(listedBefore, driver.findElements(By.cssSelector("#conversation-list li")).size());
    JsonNode list = getJson("/v1/conversations?limit=100");
    for (JsonNode conversation : list.get("data")) {
      assertFalse("이 사진은 무엇인가요?".equals(conversation.path("metadata").path("title").asText()),
          "an empty conversation was left behind: " + conversation);
    }
    List<String> severe = severeBrowserLogs();
    assertTrue(severe.stream().allMatch(m -> m.contains("/v1/responses") && m.contains("400")), "browser console errors: " + severe);
  }

  @Test
  @Order(9)
  void anImageOverTheLimitIsRefusedBeforeUpload() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Number> limits = (Map<String, Number>) js(
        "return fetch('/app/limits.json').then(r => r.json())");
    long maxImage = limits.get("max_image_bytes").longValue();
    assertEquals(20L << 20, maxImage, "the stack's configured varco.gateway.max-image-bytes");
    assertEquals(64L << 20, limits.get("max_body_bytes").longValue());
    Path big = WORK.resolve("too-big.png");
    try (var out = Files.newOutputStream(big)) {
      out.write(TestImages.png(16, 16));
      out.write(new byte[(int) maxImage]);
    }
    driver.findElement(By.id("file-input")).sendKeys(big.toString());
    WebElement error = driver.findElement(By.id("composer-error"));
    wait(Duration.ofSeconds(10)).until(d -> error.isDisplayed());
    screenshot("11-too-big");
    assertTrue(error.getText().contains("이미지가 너무 큽니다") && error.getText().contains("20 MiB"), error.getText());
    assertFalse(driver.findElement(By.id("preview")).isDisplayed(), "not attached");
    assertTrue(severeBrowserLogs().isEmpty(), "nothing was sent");
  }

  @Test
  @Order(10)
  void ocrWithTypedTextIsExplainedBeforeSending() {
    int bubbles = driver.findElements(By.cssSelector("#messages .message")).size();
    driver.findElement(By.cssSelector("#tasks button[data-task='ocr']")).click();
    WebElement hint = driver.findElement(By.id("task-hint"));
    assertTrue(hint.isDisplayed() && hint.getText().contains("질문 없이"), hint.getText());
    driver.findElement(By.id("file-input")).sendKeys(picture.toString());
    wait(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("preview-image")).isDisplayed());
    driver.findElement(By.id("input")).sendKeys("글자를 읽어줘");
    WebElement error = driver.findElement(By.id("composer-error"));
    wait(Duration.ofSeconds(5)).until(d -> error.isDisplayed());
    assertTrue(error.getText().contains("OCR") && error.getText().contains("입력한 글"), error.getText());
    driver.findElement(By.id("send")).click();
    screenshot("12-ocr-text");
    assertEquals(bubbles, driver.findElements(By.cssSelector("#messages .message")).size(), "nothing was sent");
    driver.findElement(By.id("input")).clear();
    driver.findElement(By.id("remove-image")).click();
    driver.findElement(By.cssSelector("#tasks button[data-task='chat']")).click();
  }

  @Test
  @Order(11)
  void usableOnA390PixelWideScreen() {
    // A phone's screen as Chromium's device emulation gives it (the viewport meta tag applies).
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
    try {
      wait(Duration.ofSeconds(10)).until(d -> ((Number) js("return document.documentElement.clientWidth")).intValue() <= 400);
      long viewport = ((Number) js("return document.documentElement.clientWidth")).longValue();
      assertTrue(((Number) js("return document.documentElement.scrollWidth")).longValue() <= viewport,
          "no sideways scrolling");
      for (String id : List.of("input", "send", "attach", "messages")) {
        WebElement element = driver.findElement(By.id(id));
        assertTrue(element.isDisplayed(), id + " is shown");
        var rect = element.getRect();
        assertTrue(rect.getX() >= 0 && rect.getX() + rect.getWidth() <= viewport, id + " fits the width: " + rect);
      }
      assertTrue(driver.findElement(By.id("messages")).getRect().getWidth() >= 300, "the messages get the width");
      // The conversation list folds behind a menu button and opens over the page.
      WebElement menu = driver.findElement(By.id("menu-toggle"));
      assertTrue(menu.isDisplayed());
      assertFalse(driver.findElement(By.id("conversation-list")).isDisplayed());
      menu.click();
      assertTrue(driver.findElement(By.id("conversation-list")).isDisplayed());
      screenshot("13-mobile-menu");
      menu.click();
      WebElement figure = (WebElement) js("return window.varcoDrawResult(arguments[0], arguments[1])",
          Map.of("type", "ocr", "image", Map.of("width", 1920, "height", 1080), "text", "VARCO",
              "phrases", List.of(), "skipped", List.of(), "skipped_count", 0,
              "ocr_lines", List.of(Map.of("text", "VARCO", "start", 0, "end", 5, "boxes", List.of(
                  Map.of("normalized", List.of(0.5, 0.5, 1.0, 1.0), "pixels", List.of(960, 540, 1920, 1080)))))),
          TestImages.dataUrl("image/jpeg", TestImages.jpeg(1920, 1080)));
      wait(Duration.ofSeconds(10)).until(d -> (Boolean) js(
          "const i = arguments[0].querySelector('img'); return i.complete && i.naturalWidth > 0", figure));
      @SuppressWarnings("unchecked")
      Map<String, Number> r = (Map<String, Number>) js(
          "const b = arguments[0].querySelector('.box').getBoundingClientRect(), i = arguments[0].querySelector('img')"
              + ".getBoundingClientRect(); return {ir: i.right, ib: i.bottom, br: b.right, bb: b.bottom, w: i.width};", figure);
      assertTrue(r.get("ir").doubleValue() <= viewport, "the image fits the screen: " + r);
      assertNear(r.get("ir").doubleValue(), r.get("br"), "the box ends at the image's right edge");
      assertNear(r.get("ib").doubleValue(), r.get("bb"), "the box ends at the image's bottom edge");
      new org.openqa.selenium.interactions.Actions(driver).scrollToElement(figure).perform();
      screenshot("14-mobile");
      assertTrue(((Number) js("return document.documentElement.scrollWidth")).longValue() <= viewport,
          "no sideways scrolling with a photo shown");
    } finally {
      driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }
  }

  @Test
  @Order(12)
  void englishUiAndNoBrowserErrors() {
    driver.findElement(By.id("lang-toggle")).click();
    assertEquals("en", driver.findElement(By.tagName("html")).getDomAttribute("lang"));
    assertEquals("Send", driver.findElement(By.id("send")).getText());
    assertEquals("Grounding", driver.findElement(By.cssSelector("#tasks button[data-task='grounding']")).getText());
    screenshot("09-english");
    List<String> severe = severeBrowserLogs();
    assertTrue(severe.isEmpty(), "browser console errors: " + severe);
  }

  /** The browser's console errors since the last call (reading them clears them). */
  private static List<String> severeBrowserLogs() {
    List<String> severe = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
        severe.add(entry.getMessage());
      }
    }
    return severe;
  }

  private static String lines(String text) {
    return text.replace("\r\n", "\n").replace('\r', '\n');
  }

  private static List<String> types(JsonNode item) {
    List<String> types = new ArrayList<>();
    item.get("content").forEach(part -> types.add(part.get("type").asText()));
    return types;
  }

  private static JsonNode getJson(String path) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(URI.create(RunningStack.get().gatewayUrl() + path)).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), path + ": " + response.body());
      return JSON.readTree(response.body());
    }
  }

  private static void setSetting(String id, String value) {
    driver.findElement(By.cssSelector("#settings summary")).click();
    WebElement field = driver.findElement(By.id(id));
    field.clear();
    field.sendKeys(value, Keys.TAB);
    driver.findElement(By.cssSelector("#settings summary")).click();
  }

  private static WebElement lastAssistant() {
    List<WebElement> answers = driver.findElements(By.cssSelector(".message.assistant"));
    return answers.get(answers.size() - 1);
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  private static WebDriverWait wait(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  private static void assertNear(double expected, Number actual, String what) {
    assertTrue(Math.abs(expected - actual.doubleValue()) <= 1.5, what + ": expected " + expected + ", got " + actual);
  }

  private static void screenshot(String name) {
    try {
      Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException("screenshot " + name, e);
    }
  }
}
