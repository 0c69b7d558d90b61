# Production image of the skingraph API (see docker-compose.yaml). Multi-stage: build with the
# Go toolchain, run from a minimal non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/skingraph ./cmd/skingraph

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/skingraph /usr/local/bin/skingraph
ENV SKINGRAPH_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/skingraph"]
CMD ["up"]
