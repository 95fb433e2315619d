package sandbox

import (
	"maps"
	"testing"
)

// Requests pick resources as API Gateway picks them: / only for the root, a literal segment
// before a {param}, a {param} before a {param+}, and the verb's method before ANY.
func TestRouteMatchesResourcesAsAPIGatewayDoes(t *testing.T) {
	get, anyM, post := &method{Auth: "NONE"}, &method{Auth: "NONE"}, &method{Auth: "NONE"}
	rs := map[string]*resource{
		"r": {ID: "r", Path: "/", Methods: map[string]*method{"GET": get}},
		"p": {ID: "p", Path: "/{proxy+}", Methods: map[string]*method{"ANY": anyM}},
		"h": {ID: "h", Path: "/health", Methods: map[string]*method{"GET": get, "POST": post}},
		"o": {ID: "o", Path: "/orders/{id}", Methods: map[string]*method{"GET": get}},
	}
	for name, c := range map[string]struct {
		verb, path string
		resource   string
		method     *method
		params     map[string]string
	}{
		"the root is / alone":                    {"GET", "/", "r", get, map[string]string{}},
		"a verb the root lacks matches nothing":  {"POST", "/", "r", nil, nil},
		"a deeper path goes to {proxy+}":         {"PUT", "/a/b/c", "p", anyM, map[string]string{"proxy": "a/b/c"}},
		"a literal wins over {proxy+}":           {"POST", "/health", "h", post, map[string]string{}},
		"a {param} wins over {proxy+}":           {"GET", "/orders/7", "o", get, map[string]string{"id": "7"}},
		"a {param} path's verb it lacks is 403":  {"DELETE", "/orders/7", "o", nil, nil},
		"below a {param} resource is {proxy+}'s": {"GET", "/orders/7/lines", "p", anyM, map[string]string{"proxy": "orders/7/lines"}},
	} {
		t.Run(name, func(t *testing.T) {
			r, m, params := route(rs, c.verb, c.path)
			if r == nil || r.ID != c.resource || m != c.method || !maps.Equal(params, c.params) {
				t.Errorf("route(%s %s) = %+v, %p, %v; want resource %s, method %p, params %v", c.verb, c.path, r, m, params, c.resource, c.method, c.params)
			}
		})
	}
	if r, m, _ := route(map[string]*resource{"r": rs["r"]}, "GET", "/x"); r != nil || m != nil {
		t.Errorf("an API with only / matched /x: %+v", r)
	}
}
