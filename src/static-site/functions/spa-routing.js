// CloudFront Function (runtime cloudfront-js-2.0), viewer request, default behaviour of StaticCdnSite.
//
// Single-page-app routing: a request for a client-side route (a path whose last segment has no file extension, such
// as /about or /users/42/) is served /index.html, and the app's router takes over in the browser. A request for a file
// (a last segment with an extension, such as /assets/app.3f2a1b.js or /favicon.ico) is left alone, so that a missing
// file is a real 404 rather than an HTML page with status 200. Paths under /.well-known/ are files by definition
// (security.txt, apple-app-site-association, ...) and are never rewritten. The query string is kept as it is.
//
// Only `handler` is read by CloudFront; nothing else may be exported (no `module`), since the file is loaded as is.

function isFilePath(uri) {
  if (uri.indexOf('/.well-known/') === 0) {
    return true;
  }
  var lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
  return lastSegment.indexOf('.') !== -1;
}

function handler(event) {
  var request = event.request;
  if (!isFilePath(request.uri)) {
    request.uri = '/index.html';
  }
  return request;
}
