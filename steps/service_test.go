package steps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops/sandbox"
)

// Each demo instance runs a small service: a request through the built chain gets that
// service's own status and body, passed through by the HTTP_PROXY integration.
func TestTheDemoServiceAnswersThroughTheChain(t *testing.T) {
	sb, _, res, _, _ := builtAPI(t, "../examples/demo.yaml")
	for name, c := range map[string]struct {
		method, path string
		status       int
		body         string
	}{
		"its health path":            {"GET", "/health", 200, `{"status":"ok"}`},
		"the root says hello":        {"GET", "/", 200, `"hello":"from orders-api-`},
		"the orders are a JSON list": {"GET", "/orders", 200, `"orders":[{"id":"1001"`},
		"one order":                  {"GET", "/orders/1002?full=1", 200, `"order":{"id":"1002"`},
		"a path it lacks is its 404": {"GET", "/invoices", 404, `"message":"Not Found"`},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := sb.Invoke(res.RestAPIID, res.Stage, sandbox.Request{Method: c.method, Path: c.path})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status || !strings.Contains(resp.Body, c.body) {
				t.Errorf("%s %s = %d %s; want %d with %s", c.method, c.path, resp.Status, resp.Body, c.status, c.body)
			}
		})
	}
}

// A target whose service is down, or listens on another port than the target's, fails its
// health checks as AWS reports it, and a request through the chain ends as AWS ends one to a
// target that refuses the connection: 500 with the configuration error.
func TestAServiceThatDoesNotListenFailsHealthChecksAndRequests(t *testing.T) {
	for name, c := range map[string]struct {
		port int32
		down bool
	}{
		"the service is down":             {80, true},
		"the service listens on 8080":     {8080, false},
		"the service is down on its port": {0, true},
	} {
		t.Run(name, func(t *testing.T) {
			sb, acct, res, _, _ := builtAPI(t, "../examples/demo.yaml")
			for _, id := range res.Registered {
				if err := sb.SetService(id, c.port, c.down); err != nil {
					t.Fatal(err)
				}
			}
			health, err := acct.TargetHealth(context.Background(), res.TargetGroupARN)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range health {
				if h.State != "unhealthy" || h.Reason != "Target.FailedHealthChecks" {
					t.Errorf("target %s: %s %s; want unhealthy Target.FailedHealthChecks", h.ID, h.State, h.Reason)
				}
			}
			resp, err := sb.Invoke(res.RestAPIID, res.Stage, sandbox.Request{Method: "GET", Path: "/orders"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 500 || resp.Body != `{"message": "Internal server error"}` || !strings.Contains(strings.Join(resp.Log, "\n"), "Execution failed due to configuration error") {
				t.Errorf("GET /orders = %d %s, log %q; want 500 Internal server error, a configuration error", resp.Status, resp.Body, resp.Log)
			}
		})
	}
}
