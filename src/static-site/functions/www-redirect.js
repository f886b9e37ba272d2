// CloudFront Function (runtime cloudfront-js-2.0), viewer request, default behaviour of StaticCdnSite when
// `redirectWwwToApex` is set. A viewer request can run one function per behaviour, so this one does both jobs:
//
// 1. A request whose Host header starts with `www.` is answered at the edge with a 301 to the same path and query
//    string on the host without `www.` (https://www.example.com/a?b=1 -> https://example.com/a?b=1).
// 2. Any other request gets the single-page-app routing of spa-routing.js, kept identical (the unit tests run the same
//    fixtures through both files): extension-less paths are served /index.html, files are left alone so that a missing
//    file is a real 404, /.well-known/ is never rewritten.
//
// CloudFront picks the distribution by the Host header, so the host here is one of the distribution's own names and the
// redirect cannot be pointed at a foreign site.

function isFilePath(uri) {
  if (uri.indexOf('/.well-known/') === 0) {
    return true;
  }
  var lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
  return lastSegment.indexOf('.') !== -1;
}

function queryString(querystring) {
  var parts = [];
  for (var name in querystring) {
    var entry = querystring[name];
    if (entry.multiValue) {
      for (var i = 0; i < entry.multiValue.length; i++) {
        parts.push(entry.multiValue[i].value === '' ? name : name + '=' + entry.multiValue[i].value);
      }
    } else {
      parts.push(entry.value === '' ? name : name + '=' + entry.value);
    }
  }
  return parts.length > 0 ? '?' + parts.join('&') : '';
}

function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : '';
  if (host.indexOf('www.') === 0) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: {
        location: { value: 'https://' + host.substring(4) + request.uri + queryString(request.querystring) },
        'cache-control': { value: 'max-age=3600' },
      },
    };
  }
  if (!isFilePath(request.uri)) {
    request.uri = '/index.html';
  }
  return request;
}
