package api

import (
	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/web"
)

// mountPages serves the web pages (package web) at "/" and their assets under "/ui/". When the
// embedded bundle is missing (a build without the UI) the API still serves, and says so.
func mountPages(r *gin.Engine, log zerolog.Logger) {
	ui, err := web.Handler(web.Config{
		CypherDefaultRows: defaultRows, CypherMaxRows: maxRows,
		CypherDefaultTimeout: defaultTimeout, CypherMaxTimeout: maxTimeout,
		MaxUploadBytes: maxUploadBody,
	})
	if err != nil {
		log.Warn().Err(err).Msg("web pages disabled")
		return
	}
	page := gin.WrapH(ui)
	for _, p := range []string{"/", "/ui/*file"} {
		r.GET(p, page)
		r.HEAD(p, page)
	}
}
