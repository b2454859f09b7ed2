package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What no route answers gets OpenAI's error JSON instead of Vert.x's HTML page: 405 with
 * {@code Allow} when the path is an API route that takes other methods, else 404. OpenAI answers
 * both with {@code invalid_request_error}; the codes here ({@code unknown_url},
 * {@code method_not_allowed}) say which. The allowed methods are read from the router itself, so
 * a new route needs nothing here.
 */
@ApplicationScoped
public class UnknownRoutes {
  @Inject ObjectMapper json;

  void register(@Observes Router router) {
    router.errorHandler(404, ctx -> unmatched(router, ctx));
    router.errorHandler(405, ctx -> unmatched(router, ctx));
  }

  private void unmatched(Router router, RoutingContext ctx) {
    if (ctx.response().headWritten() || ctx.response().ended()) {
      return;
    }
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    Set<String> allowed = allowedMethods(router, path);
    String url = "(" + method + " " + JsonFields.abbreviate(path) + ")";
    if (allowed.isEmpty()) {
      OpenAiErrors.send(ctx.response(), json, 404, "invalid_request_error",
          "Invalid URL " + url + ": this server has no such route; see /q/openapi", null, "unknown_url");
    } else {
      ctx.response().putHeader("Allow", String.join(", ", allowed));
      OpenAiErrors.send(ctx.response(), json, 405, "invalid_request_error",
          "Invalid method for URL " + url + ": use " + String.join(" or ", allowed), null, "method_not_allowed");
    }
  }

  /** The methods the API routes whose path matches {@code path} take; empty when none does. */
  static Set<String> allowedMethods(Router router, String path) {
    Set<String> allowed = new TreeSet<>();
    if (path == null || !path.startsWith("/v1/")) {
      return allowed;
    }
    for (Route route : router.getRoutes()) {
      Set<HttpMethod> methods = route.methods();
      if (methods == null || methods.isEmpty() || !matches(route, path)) {
        continue;
      }
      methods.forEach(m -> allowed.add(m.name()));
    }
    return allowed;
  }

  private static boolean matches(Route route, String path) {
    // Routes with a path template (Vert.x reports those with ":name" as regex routes too); a route
    // made from a regex alone has no path and only serves paths a template route serves as well.
    String template = route.getPath();
    if (template == null) {
      return false;
    }
    // "/v1/conversations/:id/items" -> one path segment per ":name".
    String regex = Pattern.quote(template).replaceAll(":[A-Za-z0-9_]+", "\\\\E[^/]+\\\\Q");
    return Pattern.matches(regex, path);
  }
}
