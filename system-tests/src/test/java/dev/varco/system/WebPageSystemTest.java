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
  void aResultIsDrawnAsBoxesOverTheImageAtTheirPixelPlaces() throws Exception {
    // Built as the gateway builds it (README "VARCO tasks") for a 320x240 image.
    Map<String, Object> result = Map.of(
        "type", "grounding", "image", Map.of("width", 320, "height", 240), "text", "두 마리 고양이 and a sofa",
        "phrases", List.of(
            Map.of("text", "두 마리 고양이", "start", 0, "end", 8, "boxes", List.of(
                Map.of("normalized", List.of(0.1, 0.1, 0.5, 0.5), "pixels", List.of(32, 24, 160, 120)),
                Map.of("normalized", List.of(0.6, 0.2, 0.9, 0.7), "pixels", List.of(192, 48, 288, 168)))),
            Map.of("text", "a sofa", "start", 13, "end", 19, "boxes", List.of(
                Map.of("normalized", List.of(0.0, 0.5, 1.0, 1.0), "pixels", List.of(0, 120, 320, 240))))),
        "ocr_lines", List.of(), "skipped", List.of(), "skipped_count", 0);
    WebElement figure = (WebElement) js("return window.varcoDrawResult(arguments[0], arguments[1])",
        result, TestImages.dataUrl("image/png", TestImages.png(320, 240)));
    wait(Duration.ofSeconds(10)).until(d -> (Boolean) js(
        "const i = arguments[0].querySelector('img'); return i.complete && i.naturalWidth > 0", figure));
    List<WebElement> boxes = figure.findElements(By.className("box"));
    assertEquals(3, boxes.size());
    assertEquals(List.of("두 마리 고양이", "두 마리 고양이", "a sofa"),
        boxes.stream().map(b -> b.findElement(By.className("box-label")).getText()).toList());
    WebElement image = figure.findElement(By.tagName("img"));
    double scale = image.getRect().getWidth() / 320.0;
    assertTrue(scale > 0.2, "the image is displayed");
    int[][] expected = {{32, 24, 160, 120}, {192, 48, 288, 168}, {0, 120, 320, 240}};
    for (int i = 0; i < expected.length; i++) {
      @SuppressWarnings("unchecked")
      Map<String, Number> r = (Map<String, Number>) js(
          "const b = arguments[0].getBoundingClientRect(), i = arguments[1].getBoundingClientRect();"
              + "return {x: b.left - i.left, y: b.top - i.top, w: b.width, h: b.height};", boxes.get(i), image);
      assertNear(expected[i][0] * scale, r.get("x"), "box " + i + " left");
      assertNear(expected[i][1] * scale, r.get("y"), "box " + i + " top");
      assertNear((expected[i][2] - expected[i][0]) * scale, r.get("w"), "box " + i + " width");
      assertNear((expected[i][3] - expected[i][1]) * scale, r.get("h"), "box " + i + " height");
    }
    List<Object> colours = boxes.stream().map(b -> js("return getComputedStyle(arguments[0]).borderTopColor", b)).toList();
    assertEquals(colours.get(0), colours.get(1), "the boxes of one phrase share a colour");
    assertFalse(colours.get(0).equals(colours.get(2)), "another phrase has another colour");
    assertEquals("그라운딩: 구문 2개, OCR 줄 0개, 건너뜀 0개", figure.findElement(By.className("task-summary")).getText());
    new org.openqa.selenium.interactions.Actions(driver).scrollToElement(figure).perform();
    screenshot("05-boxes");
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
    assertEquals(firstAnswer, data.get(1).get("content").get(0).get("text").asText());
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
