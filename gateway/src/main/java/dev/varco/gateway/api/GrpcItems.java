package dev.varco.gateway.api;

import com.google.protobuf.ByteString;
import dev.varco.gateway.chat.ChatLimits;
import dev.varco.gateway.chat.ChatMessage.Role;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.SessionIds;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Conversation items and metadata between their gRPC form ({@code ChatMessage}/{@code ChatPart},
 * a string map) and the store's, under the same limits as the REST Conversations API. Every
 * refusal names the field as the proto spells it.
 */
final class GrpcItems {
  private final ChatLimits limits;

  GrpcItems(ChatLimits limits) {
    this.limits = limits;
  }

  /** {@code CreateConversationRequest.items} and {@code AddItemsRequest.items}: up to 20 messages. */
  List<ConversationItem> items(List<ChatMessage> messages) {
    if (messages.size() > ResponsesRequestParser.MAX_ITEMS_PER_CALL) {
      throw new InvalidRequestException("items", "items has " + messages.size() + " messages, over the limit of "
          + ResponsesRequestParser.MAX_ITEMS_PER_CALL);
    }
    List<ConversationItem> items = new ArrayList<>();
    int images = 0;
    for (int i = 0; i < messages.size(); i++) {
      String path = "items[" + i + "]";
      String roleName = messages.get(i).getRole();
      Role role = Role.fromWireName("developer".equals(roleName) ? "system" : roleName);
      if (role == null) {
        throw new InvalidRequestException(path + ".role", path + ".role '" + JsonFields.abbreviate(roleName)
            + "' is not supported: use 'user', 'assistant' or 'system'");
      }
      ConversationItem item = item(role, messages.get(i).getPartsList(), path + ".parts");
      images += imageCount(item);
      if (images > limits.maxImages()) {
        throw new InvalidRequestException("items", "items hold more than " + limits.maxImages()
            + " images (varco.gateway.max-images)");
      }
      items.add(item);
    }
    return items;
  }

  /** {@code RespondRequest.input}: the parts of one new user message. */
  ConversationItem input(List<ChatPart> parts) {
    return item(Role.USER, parts, "input");
  }

  private ConversationItem item(Role role, List<ChatPart> parts, String path) {
    if (parts.isEmpty()) {
      throw new InvalidRequestException(path, path + " must hold at least one part");
    }
    List<ItemContent> content = new ArrayList<>();
    for (int j = 0; j < parts.size(); j++) {
      String where = path + "[" + j + "]";
      ChatPart part = parts.get(j);
      switch (part.getPartCase()) {
        case TEXT -> content.add(role == Role.ASSISTANT ? new ItemContent.OutputText(part.getText())
            : new ItemContent.InputText(part.getText()));
        case IMAGE -> content.add(image(role, part.getImage(), where + ".image"));
        case PART_NOT_SET -> throw new InvalidRequestException(where, where + " has neither text nor image");
      }
    }
    return new ConversationItem(SessionIds.item(), role, content, System.currentTimeMillis() / 1000);
  }

  /** The media type is read from the bytes: it is kept so REST can list the image as a data URL. */
  private ItemContent.InputImage image(Role role, ByteString bytes, String where) {
    if (role != Role.USER) {
      throw new InvalidRequestException(where, where + ": only user messages may contain images");
    }
    if (bytes.isEmpty()) {
      throw new InvalidRequestException(where, where + " holds no image data");
    }
    if (bytes.size() > limits.maxImageBytes()) {
      throw new InvalidRequestException(where, where + " is " + bytes.size() + " bytes, over the "
          + limits.maxImageBytes() + "-byte image limit (varco.gateway.max-image-bytes)");
    }
    String mediaType;
    if (bytes.startsWith(ByteString.copyFrom(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}))) {
      mediaType = "image/png";
    } else if (bytes.startsWith(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}))) {
      mediaType = "image/jpeg";
    } else {
      throw new InvalidRequestException(where, where + " is not a PNG or JPEG file");
    }
    return ItemContent.InputImage.of(mediaType, bytes.toByteArray());
  }

  /** Metadata pairs under OpenAI's limits (16 pairs, keys up to 64 characters, values up to 512). */
  static Map<String, String> metadata(Map<String, String> metadata) {
    if (metadata.size() > ResponsesRequestParser.MAX_METADATA) {
      throw new InvalidRequestException("metadata", "metadata has " + metadata.size() + " keys; at most "
          + ResponsesRequestParser.MAX_METADATA + " are allowed");
    }
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      if (entry.getKey().length() > ResponsesRequestParser.MAX_METADATA_KEY) {
        throw new InvalidRequestException("metadata", "metadata keys must be at most "
            + ResponsesRequestParser.MAX_METADATA_KEY + " characters");
      }
      if (entry.getValue().length() > ResponsesRequestParser.MAX_METADATA_VALUE) {
        throw new InvalidRequestException("metadata." + JsonFields.abbreviate(entry.getKey()),
            "metadata values must be at most " + ResponsesRequestParser.MAX_METADATA_VALUE + " characters");
      }
    }
    return metadata;
  }

  /** A recorded item as the proto has it: images as the bytes they came as. */
  static dev.varco.proto.chat.v1.ConversationItem toProto(ConversationItem item) {
    var out = dev.varco.proto.chat.v1.ConversationItem.newBuilder()
        .setId(item.id()).setRole(item.role().wireName()).setCreatedAt(item.createdAt());
    for (ItemContent part : item.content()) {
      out.addParts(switch (part) {
        case ItemContent.InputText text -> ChatPart.newBuilder().setText(text.text());
        case ItemContent.OutputText text -> ChatPart.newBuilder().setText(text.text());
        case ItemContent.InputImage image -> ChatPart.newBuilder().setImage(ByteString.copyFrom(image.bytes()));
      });
    }
    return out.build();
  }

  private static int imageCount(ConversationItem item) {
    return (int) item.content().stream().filter(ItemContent.InputImage.class::isInstance).count();
  }
}
