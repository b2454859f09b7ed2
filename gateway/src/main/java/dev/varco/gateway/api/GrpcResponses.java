package dev.varco.gateway.api;

import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.proto.chat.v1.GetResponseRequest;
import dev.varco.proto.chat.v1.RecordedResponse;
import dev.varco.proto.chat.v1.ResponseUsage;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * gRPC {@code Chat/GetResponse}, the counterpart of {@code GET /v1/responses/{id}}: a recorded
 * response of the caller ({@link GrpcCaller}); another caller's is NOT_FOUND.
 */
@ApplicationScoped
class GrpcResponses {
  @Inject ConversationStore store;
  @Inject GrpcBlocking blocking;

  void get(GetResponseRequest request, StreamObserver<RecordedResponse> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = request.getResponseId();
      if (id.isEmpty()) {
        throw new InvalidRequestException("response_id", "response_id is required");
      }
      return toProto(store.response(owner, id).orElseThrow(() -> new UnknownIdException("response", id)));
    });
  }

  /** REST's nulls are the proto's empty strings (or unset, where empty would be a value). */
  static RecordedResponse toProto(ResponseRecord response) {
    var out = RecordedResponse.newBuilder()
        .setId(response.id())
        .setCreatedAt(response.createdAt())
        .setModel(response.model())
        .setStatus(response.status())
        .setTemperature((float) response.temperature())
        .putAllMetadata(response.metadata());
    if (response.incompleteReason() != null) {
      out.setIncompleteReason(response.incompleteReason());
    }
    if (response.conversationId() != null) {
      out.setConversationId(response.conversationId());
    }
    if (response.previousResponseId() != null) {
      out.setPreviousResponseId(response.previousResponseId());
    }
    if (response.instructions() != null) {
      out.setInstructions(response.instructions());
    }
    response.topP().ifPresent(topP -> out.setTopP((float) topP));
    response.maxOutputTokens().ifPresent(out::setMaxTokens);
    StringBuilder text = new StringBuilder();
    for (ConversationItem item : response.output()) {
      out.addOutput(GrpcItems.toProto(item));
      for (ItemContent part : item.content()) {
        if (part instanceof ItemContent.OutputText outputText) {
          text.append(outputText.text());
        }
      }
    }
    out.setOutputText(text.toString());
    // Recorded responses are complete, so they have usage; an in-progress one would not.
    if (response.usage() != null) {
      out.setUsage(ResponseUsage.newBuilder()
          .setPromptTokens(response.usage().inputTokens())
          .setCompletionTokens(response.usage().outputTokens())
          .setCachedTokens(response.usage().cachedTokens())
          .setImageTokens(response.usage().imageTokens()));
    }
    return out.build();
  }
}
