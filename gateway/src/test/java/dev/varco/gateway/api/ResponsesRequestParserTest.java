package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.varco.gateway.chat.ChatMessage.Role;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ItemContent;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponsesRequestParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] IMAGE = {1, 2, 3, 4, 5};
  private static final String IMAGE_URL = "data:image/jpg;base64," + Base64.getEncoder().encodeToString(IMAGE);
  private final ResponsesRequestParser parser = new ResponsesRequestParser(TestRules.small().limits());

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private String refusedParam(String body) {
    return assertThrows(InvalidRequestException.class, () -> parser.parseResponse(json(body))).param();
  }

  @Test
  void aStringInputIsOneUserMessageAndDefaultsApply() {
    ResponsesRequest request = parser.parseResponse(json("{'model':'m','input':'hello'}"));
    assertEquals(1, request.input().size());
    assertEquals(Role.USER, request.input().getFirst().role());
    assertEquals(new ItemContent.InputText("hello"), request.input().getFirst().content().getFirst());
    assertTrue(request.input().getFirst().id().startsWith("msg_"));
    assertTrue(request.store());
    assertFalse(request.stream());
    assertEquals(1.0, request.sampling().temperature());
    assertEquals(0, request.sampling().maxTokens());
    assertNull(request.conversationId());
  }

  @Test
  void messageItemsCarryTextAndImagesWithTheirMediaType() {
    ResponsesRequest request = parser.parseResponse(json("{'input':[{'role':'developer','content':'be brief'},"
        + "{'type':'message','role':'user','content':[{'type':'input_image','image_url':'" + IMAGE_URL
        + "','detail':'auto','file_id':null},{'type':'input_text','text':'what is it?'}]},"
        + "{'role':'assistant','content':[{'type':'output_text','text':'a cat'}]}],"
        + "'conversation':{'id':'conv_1'},'instructions':'answer','max_output_tokens':10,'temperature':0,"
        + "'top_p':0.5,'stream':true,'store':false,'metadata':{'k':'v'}}"));
    assertEquals(Role.SYSTEM, request.input().get(0).role());
    ItemContent.InputImage image = assertInstanceOf(ItemContent.InputImage.class,
        request.input().get(1).content().get(0));
    assertEquals("image/jpeg", image.mediaType());
    assertArrayEquals(IMAGE, image.bytes());
    assertEquals(ItemContent.InputImage.of("image/jpeg", IMAGE).sha256(), image.sha256());
    assertEquals(new ItemContent.OutputText("a cat"), request.input().get(2).content().get(0));
    assertEquals("conv_1", request.conversationId());
    assertEquals("answer", request.instructions());
    assertEquals(10, request.sampling().maxTokens());
    assertEquals(0.5, request.sampling().topP().getAsDouble());
    assertTrue(request.stream());
    assertFalse(request.store());
    assertEquals(Map.of("k", "v"), request.metadata());
    assertEquals("conv_2", parser.parseResponse(json("{'input':'x','conversation':'conv_2'}")).conversationId());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{'model':'m'}|input",
      "{'input':[]}|input",
      "{'input':42}|input",
      "{'input':'x','conversation':'conv_1','previous_response_id':'resp_1'}|conversation",
      "{'input':'x','conversation':{'name':'x'}}|conversation",
      "{'input':[{'type':'function_call_output','call_id':'c','output':'o'}]}|input[0].type",
      "{'input':[{'role':'tool','content':'x'}]}|input[0].role",
      "{'input':[{'role':'user'}]}|input[0].content",
      "{'input':[{'role':'user','content':[{'type':'input_file','file_id':'f'}]}]}|input[0].content[0].type",
      "{'input':[{'role':'assistant','content':[{'type':'input_image','image_url':'data:image/png;base64,AAAA'}]}]}|input[0].content[0]",
      "{'input':[{'role':'user','content':[{'type':'input_image','file_id':'file_1'}]}]}|input[0].content[0].file_id",
      "{'input':[{'role':'user','content':[{'type':'input_image','image_url':'https://example.com/a.png'}]}]}|input[0].content[0].image_url",
      "{'input':[{'role':'user','content':[{'type':'input_image'}]}]}|input[0].content[0].image_url",
      "{'input':[{'role':'user','content':[{'type':'input_text'}]}]}|input[0].content[0].text",
      "{'input':'x','max_output_tokens':0}|max_output_tokens",
      "{'input':'x','max_output_tokens':101}|max_output_tokens",
      "{'input':'x','temperature':'hot'}|temperature",
      "{'input':'x','stream':'yes'}|stream",
      "{'input':'x','tools':[{'type':'web_search'}]}|tools",
      "{'input':'x','tool_choice':'required'}|tool_choice",
      "{'input':'x','text':{'format':{'type':'json_object'}}}|text.format",
      "{'input':'x','background':true}|background",
      "{'input':'x','prompt':{'id':'p'}}|prompt",
      "{'input':'x','metadata':{'k':1}}|metadata.k",
      "{'input':'x','metadata':[]}|metadata",
  })
  void refusalsNameTheField(String body, String param) {
    assertEquals(param, refusedParam(body));
  }

  @Test
  void tooManyImagesOrMetadataKeysAreRefused() {
    String image = "{'type':'input_image','image_url':'" + IMAGE_URL + "'}";
    assertEquals("input", refusedParam("{'input':[{'role':'user','content':[" + image + "," + image + "," + image + "]}]}"));
    StringBuilder metadata = new StringBuilder("{");
    for (int i = 0; i <= ResponsesRequestParser.MAX_METADATA; i++) {
      metadata.append(i == 0 ? "" : ",").append("'k").append(i).append("':'v'");
    }
    assertEquals("metadata", refusedParam("{'input':'x','metadata':" + metadata + "}}"));
  }

  @Test
  void conversationBodies() {
    var empty = parser.parseConversationCreate(MissingNode.getInstance());
    assertTrue(empty.items().isEmpty());
    assertTrue(empty.metadata().isEmpty());
    var created = parser.parseConversationCreate(json("{'items':[{'role':'user','content':'hi'}],'metadata':{'a':'b'}}"));
    assertEquals(1, created.items().size());
    assertEquals(Map.of("a", "b"), created.metadata());
    assertEquals("items", assertThrows(InvalidRequestException.class,
        () -> parser.parseItemsAdd(json("{}"))).param());
    assertEquals("items", assertThrows(InvalidRequestException.class,
        () -> parser.parseItemsAdd(json("{'items':[]}"))).param());
    assertEquals("items[0].role", assertThrows(InvalidRequestException.class,
        () -> parser.parseItemsAdd(json("{'items':[{'content':'x'}]}"))).param());
    assertEquals(2, parser.parseItemsAdd(json("{'items':[{'role':'user','content':'a'},{'role':'assistant','content':'b'}]}"))
        .size());
  }
}
