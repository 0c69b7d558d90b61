// Package api is the HTTP interface of skingraph (Gin): routes, request decoding, JSON shapes,
// RFC 9457 problem+json errors, request ids and access logs, and the server's observability:
// a Prometheus registry per server (/metrics), Server-Timing on every response, gzip when
// asked, and the OpenAPI 3.1 document (/openapi.json, /docs). It depends on small interfaces
// declared here, never on Neo4j, and hands back an http.Handler; package cmd wires it.
package api
