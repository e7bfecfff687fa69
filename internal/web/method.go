package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// wrongMethod answers a request for one of carekey's own pages made with a
// method the page does not take (a bookmarked form address, a script's PUT)
// with 405, the methods it does take in Allow, and the designed page; any
// other request goes on to next (the provider's catch-all). Without it the
// catch-all would answer such a request 404, as if the page did not exist.
func (s *Server) wrongMethod(pages *mux.Router, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m mux.RouteMatch
		if pages.Match(r, &m) || !errors.Is(m.MatchErr, mux.ErrMethodMismatch) {
			next.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			probe := r.Clone(r.Context())
			probe.Method = method
			if pages.Match(probe, &mux.RouteMatch{}) {
				allow = append(allow, method)
			}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.cfg.Pages.StatusPage(w, r, http.StatusMethodNotAllowed)
	})
}
