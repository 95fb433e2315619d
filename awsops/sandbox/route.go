package sandbox

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is one HTTP request to a stage's invoke URL,
// https://{api}.execute-api.{region}.amazonaws.com/{stage}{Path}.
type Request struct {
	// Method is the HTTP method: GET, POST, …
	Method string
	// Path is the path below the stage, with its query string: "/" or "/orders/7?x=1".
	Path string
	// Headers are the request's headers, e.g. x-api-key or Authorization; names are matched
	// without regard to case.
	Headers map[string]string
}

// Response is what API Gateway answers a request, with the lines its execution log gets.
type Response struct {
	Status int
	Body   string
	Log    []string
}

// Bodies API Gateway's default gateway responses carry.
const (
	bodyMissingToken    = `{"message":"Missing Authentication Token"}`
	bodyForbidden       = `{"message":"Forbidden"}`
	bodyInternalError   = `{"message": "Internal server error"}`
	bodyEndpointTimeout = `{"message": "Endpoint request timed out"}`
	configInternalError = "Execution failed due to configuration error: There was an internal error while executing your request"
)

// Invoke simulates a request to the invoke URL of a stage, as API Gateway serves it: the
// stage's deployment is matched against the request (the root resource answers "/" only; a
// {proxy+} resource answers any deeper path), the method's authorization is checked, and the
// integration goes through the stage's VPC link to the load balancer listener its URI names,
// on to a healthy target. A path or method the deployment lacks answers 403 "Missing
// Authentication Token", as AWS does. The sandbox does not verify SigV4 signatures: an
// AWS_IAM method admits any request that carries an Authorization header.
func (s *Sandbox) Invoke(apiID, stageName string, req Request) (Response, error) {
	var resp Response
	err := s.view(func(st *state, now time.Time) error {
		a := st.RestAPIs[apiID]
		if a == nil {
			return fmt.Errorf("invoke %s: no REST API %s in the demo account, so its invoke URL does not resolve", apiID, apiID)
		}
		lg := &execLog{now: now}
		stg := a.Stages[stageName]
		if stg == nil {
			resp = Response{Status: 403, Body: bodyMissingToken}
			return nil
		}
		resources := a.Snapshots[stg.Deployment]
		if resources == nil {
			resources = a.Resources // an account saved before deployments kept their snapshot
		}
		path, query, _ := strings.Cut(req.Path, "?")
		r, m, params := route(resources, req.Method, path)
		if m == nil {
			resp = Response{Status: 403, Body: bodyMissingToken}
			return nil
		}
		if m.Auth == "AWS_IAM" && header(req.Headers, "Authorization") == "" {
			resp = Response{Status: 403, Body: bodyMissingToken}
			return nil
		}
		if m.APIKey && !validKey(st, apiID, stageName, header(req.Headers, "x-api-key")) {
			resp = Response{Status: 403, Body: bodyForbidden}
			return nil
		}
		lg.add("Starting execution for request: %s %s", req.Method, req.Path)
		lg.add("HTTP Method: %s, Resource Path: %s", req.Method, r.Path)
		resp = s.integrate(st, now, lg, stg.Variables, req.Method, m, params, query)
		return nil
	})
	return resp, err
}

// view runs fn on the account under the locks (the file's shared), without counting an API call: a request to an
// invoke URL is not one.
func (s *Sandbox) view(fn func(st *state, now time.Time) error) error {
	return s.locked(false, func() error {
		if err := s.refresh(); err != nil {
			return err
		}
		return fn(s.st, s.opts.Now())
	})
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// validKey reports whether value is the value of an API key in a usage plan of the stage.
func validKey(st *state, apiID, stageName, value string) bool {
	if value == "" {
		return false
	}
	for _, p := range st.UsagePlans {
		if !slices.Contains(p.Stages, apiID+":"+stageName) {
			continue
		}
		for _, id := range p.Keys {
			if k := st.APIKeys[id]; k != nil && k.Value == value {
				return true
			}
		}
	}
	return false
}

// route finds the resource and method API Gateway picks for a request: "/" is the root
// resource only; a deeper path matches a resource segment by segment, a literal segment
// before a {param}, a {param} before a {param+}, which takes all the remaining segments.
// The method is the request's, else the resource's ANY. params holds the path parameters.
func route(resources map[string]*resource, verb, path string) (*resource, *method, map[string]string) {
	segs := splitPath(path)
	var best *resource
	var bestParams map[string]string
	bestScore := -1
	for _, r := range sortedValues(resources) {
		params, score, ok := matchPath(splitPath(r.Path), segs)
		if ok && score > bestScore {
			best, bestParams, bestScore = r, params, score
		}
	}
	if best == nil {
		return nil, nil, nil
	}
	for _, v := range []string{verb, "ANY"} {
		if m := best.Methods[v]; m != nil {
			return best, m, bestParams
		}
	}
	return best, nil, nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchPath matches a request's segments against a resource's; the score ranks matches as
// API Gateway does: literal segments first, then single-segment parameters.
func matchPath(pattern, segs []string) (map[string]string, int, bool) {
	params := map[string]string{}
	score := 0
	for i, p := range pattern {
		name, isParam := strings.CutPrefix(p, "{")
		name, _ = strings.CutSuffix(name, "}")
		if greedy, ok := strings.CutSuffix(name, "+"); isParam && ok {
			if i != len(pattern)-1 || i >= len(segs) {
				return nil, 0, false
			}
			params[greedy] = strings.Join(segs[i:], "/")
			return params, score, true
		}
		if i >= len(segs) {
			return nil, 0, false
		}
		switch {
		case isParam:
			params[name] = segs[i]
			score++
		case p == segs[i]:
			score += 100
		default:
			return nil, 0, false
		}
	}
	if len(pattern) != len(segs) {
		return nil, 0, false
	}
	return params, score + 1, true
}

// execLog collects execution-log lines as API Gateway writes them: a timestamp, " : ", text.
type execLog struct {
	now   time.Time
	lines []string
}

func (l *execLog) add(format string, args ...any) {
	l.lines = append(l.lines, l.now.UTC().Format("Mon Jan 02 15:04:05 MST 2006")+" : "+fmt.Sprintf(format, args...))
}

// fail ends a request with a status and body, as the method's completion is logged.
func (l *execLog) fail(status int, body, line string) Response {
	l.add("%s", line)
	l.add("Method completed with status: %d", status)
	return Response{Status: status, Body: body, Log: l.lines}
}

// substituteVars replaces ${stageVariables.NAME} with the stage's value; an undefined
// variable becomes empty, as in API Gateway.
func substituteVars(s string, vars map[string]string) string {
	for {
		i := strings.Index(s, "${stageVariables.")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		name := s[i+len("${stageVariables.") : i+j]
		s = s[:i] + vars[name] + s[i+j+1:]
	}
}

// integrate follows a method's integration through the VPC link: stage variables go into
// the connection id and URI, the link must be AVAILABLE, its load balancer must listen on
// the URI's port, and that listener's target group must have a target in use (a healthy one
// first), whose security groups admit the load balancer, whose subnets' network ACLs let the
// connection and its answers through, and whose service listens on the target port and
// answers (service.go). Otherwise the request ends as AWS ends it: 500 for a configuration
// error or a refused connection, 504 when security groups or network ACLs drop the packets.
func (s *Sandbox) integrate(st *state, now time.Time, lg *execLog, vars map[string]string, verb string, m *method, params map[string]string, query string) Response {
	i := m.Integration
	if i == nil {
		return lg.fail(500, bodyInternalError, "Execution failed due to configuration error: No integration defined for method")
	}
	uri := substituteVars(i.URI, vars)
	for to, from := range i.Params {
		name, ok := strings.CutPrefix(to, "integration.request.path.")
		src, ok2 := strings.CutPrefix(from, "method.request.path.")
		if ok && ok2 {
			uri = strings.ReplaceAll(uri, "{"+name+"}", params[src])
		}
	}
	if query != "" {
		uri += "?" + query
	}
	lg.add("Endpoint request URI: %s", uri)
	if i.ConnectionType != "VPC_LINK" || i.Type != "HTTP_PROXY" {
		return lg.fail(500, bodyInternalError, "Execution failed due to configuration error: the demo account serves only HTTP_PROXY integrations through a VPC link")
	}
	linkID := substituteVars(i.ConnectionID, vars)
	link := st.link(linkID, now)
	if link == nil {
		return lg.fail(500, bodyInternalError, "Execution failed due to configuration error: Invalid VPC link identifier specified: "+linkID)
	}
	if status, _ := link.status(now); status != "AVAILABLE" {
		return lg.fail(500, bodyInternalError, fmt.Sprintf("Execution failed due to configuration error: VPC link %s is %s", linkID, status))
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return lg.fail(500, bodyInternalError, "Execution failed due to configuration error: Invalid endpoint address")
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return lg.fail(500, bodyInternalError, "Execution failed due to configuration error: Invalid endpoint address")
		}
	}
	// A VPC link sends every request to its load balancer: the URI's host only names it in
	// the Host header, while the URI's port picks the listener.
	var lb *loadBalancer
	if len(link.Targets) > 0 {
		lb = st.LoadBalancers[link.Targets[0]]
	}
	if lb == nil {
		return lg.fail(500, bodyInternalError, configInternalError)
	}
	lg.add("Sending request to %s", uri)
	var l *listener
	for _, x := range sortedValues(st.Listeners) {
		if x.LB == lb.ARN && int(x.Port) == port {
			l = x
		}
	}
	if l == nil {
		return lg.fail(500, bodyInternalError, configInternalError) // nothing listens: the connection is refused
	}
	tg := st.TargetGroups[l.TargetGroup]
	if tg == nil {
		return lg.fail(500, bodyInternalError, configInternalError)
	}
	// The load balancer sends to a healthy target; with none healthy it fails open and sends
	// to the targets in use anyway.
	var to *instance
	var toPort int32
	for _, want := range []string{"healthy", "any"} {
		for _, t := range tg.Targets {
			state, _, _ := s.health(st, tg, t, now)
			if to == nil && (state == want || (want == "any" && state != "unused")) {
				to, toPort = st.instance(t.ID), t.Port
			}
		}
	}
	switch {
	case to == nil:
		return lg.fail(500, bodyInternalError, configInternalError)
	case !admits(st, to, lb.IPs, toPort) || !lbReaches(st, lb, to, toPort):
		// Security groups and network ACLs drop what they do not let through: the
		// connection times out.
		return lg.fail(504, bodyEndpointTimeout, "Execution failed due to a timeout error")
	case !to.listensOn(toPort):
		// Nothing listens on the target port: the instance refuses the connection.
		return lg.fail(500, bodyInternalError, configInternalError)
	}
	// HTTP_PROXY passes the service's status and body through.
	status, body := to.serve(verb, u.RequestURI())
	lg.add("Received response. Status: %d, Integration latency: 12 ms", status)
	lg.add("Method completed with status: %d", status)
	return Response{Status: status, Body: body, Log: lg.lines}
}

// cloneResources copies a REST API's resources, as a deployment snapshots them.
func cloneResources(rs map[string]*resource) map[string]*resource {
	out := make(map[string]*resource, len(rs))
	for id, r := range rs {
		nr := *r
		nr.Methods = make(map[string]*method, len(r.Methods))
		for verb, m := range r.Methods {
			nm := *m
			nm.Params = slices.Clone(m.Params)
			if m.Integration != nil {
				ni := *m.Integration
				ni.Params = maps.Clone(m.Integration.Params)
				nm.Integration = &ni
			}
			nr.Methods[verb] = &nm
		}
		out[id] = &nr
	}
	return out
}
