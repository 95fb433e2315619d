package steps_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// builtAPI applies a plan on a fresh demo account and returns what was built, with the
// stage's variables and the API's resources by path.
func builtAPI(t *testing.T, plan string) (*sandbox.Sandbox, *awsops.Account, steps.Resources, map[string]string, map[string]awsops.Resource) {
	t.Helper()
	sb := newSandbox(t, "")
	acct := sb.Account()
	j, err := apply(t, acct, nil, loadPlan(t, plan))
	if err != nil {
		t.Fatalf("apply %s: %v", plan, err)
	}
	ctx := context.Background()
	st, err := acct.GetStage(ctx, j.Resources.RestAPIID, j.Resources.Stage)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := acct.ListResources(ctx, j.Resources.RestAPIID)
	if err != nil {
		t.Fatal(err)
	}
	return sb, acct, j.Resources, st.Variables, rs
}

// The api-key example's load balancer listens on 8080: API Gateway's test invoke of the
// built methods reaches a billing worker through that listener, on /{proxy+} and on the
// invoke URL's root /.
func TestTestInvokeReachesTheServiceThroughThePlansListener(t *testing.T) {
	_, acct, res, vars, rs := builtAPI(t, "../examples/api-key.yaml")
	ctx := context.Background()
	for name, c := range map[string]struct{ path, resource string }{
		"a path under the API goes through /{proxy+}": {"/invoices/7", "/{proxy+}"},
		"the root of the invoke URL goes through /":   {"/", "/"},
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := acct.TestInvoke(ctx, res.RestAPIID, rs[c.resource].ID, "ANY", c.path, vars)
			if err != nil {
				t.Fatalf("test invoke %s: %v", c.path, err)
			}
			if inv.Status != 200 || !strings.Contains(inv.Body, `"name":"billing-worker-`) || !strings.Contains(inv.Body, `"path":"`+c.path+`"`) {
				t.Errorf("test invoke %s = %d %s\nlog:\n%s\nwant 200 from a billing worker, for %s", c.path, inv.Status, inv.Body, strings.Join(inv.Log, "\n"), c.path)
			}
			if !slices.ContainsFunc(inv.Log, func(l string) bool { return strings.HasSuffix(l, ":8080"+c.path) }) {
				t.Errorf("log = %q; want the endpoint request URI on port 8080", inv.Log)
			}
		})
	}
}

// The demo account fails a request as AWS does where the chain is broken: a URI on a port
// the load balancer does not listen on, targets that do not answer.
func TestTestInvokeFailsAsAWSDoesWhereTheChainBreaks(t *testing.T) {
	_, acct, res, vars, rs := builtAPI(t, "../examples/api-key.yaml")
	ctx := context.Background()
	proxy := rs["/{proxy+}"].ID

	// What vpclink wrote before the URI carried the port: API Gateway calls port 80.
	_, err := acct.Gateway.PutIntegration(ctx, &apigateway.PutIntegrationInput{
		RestApiId: aws.String(res.RestAPIID), ResourceId: aws.String(proxy), HttpMethod: aws.String("ANY"),
		Type: gwtypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"),
		ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: aws.String(awsops.IntegrationConnectionID),
		Uri: aws.String(awsops.IntegrationURI), RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := acct.TestInvoke(ctx, res.RestAPIID, proxy, "ANY", "/invoices", vars)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != 500 || inv.Body != `{"message": "Internal server error"}` ||
		!slices.ContainsFunc(inv.Log, func(l string) bool {
			return strings.HasSuffix(l, " : Execution failed due to configuration error: There was an internal error while executing your request")
		}) {
		t.Errorf("port 80, where nothing listens: %d %s, log %q; want AWS's 500 configuration error", inv.Status, inv.Body, inv.Log)
	}

	// Security groups that no longer admit the load balancer: the targets time out.
	for _, r := range res.Ingress {
		if err := acct.RevokeIngress(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	inv, err = acct.TestInvoke(ctx, res.RestAPIID, rs["/"].ID, "ANY", "/", vars)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != 504 || inv.Body != `{"message": "Endpoint request timed out"}` {
		t.Errorf("unhealthy targets: %d %s, log %q; want 504 Endpoint request timed out", inv.Status, inv.Body, inv.Log)
	}

	// A method the resource does not have.
	_, err = acct.TestInvoke(ctx, res.RestAPIID, rs["/"].ID, "GET", "/", vars)
	if !awsops.IsNotFound(err) || !strings.Contains(err.Error(), "Invalid Method identifier specified") {
		t.Errorf("test invoke of a missing method: %v; want NotFoundException Invalid Method identifier specified", err)
	}
}

// A request to the invoke URL is matched against the deployed resources as API Gateway
// matches it: the root answers /, {proxy+} any deeper path, and what matches nothing answers
// 403 Missing Authentication Token; an API key is checked before the integration runs.
func TestTheInvokeURLAnswersAtItsRootAndBelow(t *testing.T) {
	sb, acct, res, _, _ := builtAPI(t, "../examples/api-key.yaml")
	keys, err := acct.Gateway.GetApiKeys(context.Background(), &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	if err != nil || len(keys.Items) != 1 {
		t.Fatalf("api keys = %+v, %v", keys, err)
	}
	key := map[string]string{"x-api-key": aws.ToString(keys.Items[0].Value)}
	for name, c := range map[string]struct {
		stage  string
		req    sandbox.Request
		status int
		body   string
	}{
		"the root with the key":          {"prod", sandbox.Request{Method: "GET", Path: "/", Headers: key}, 200, `"path":"/"`},
		"a path below with the key":      {"prod", sandbox.Request{Method: "POST", Path: "/invoices/7?full=1", Headers: key}, 200, `"path":"/invoices/7?full=1"`},
		"the root without the key":       {"prod", sandbox.Request{Method: "GET", Path: "/"}, 403, `{"message":"Forbidden"}`},
		"a stage that does not exist":    {"dev", sandbox.Request{Method: "GET", Path: "/", Headers: key}, 403, `{"message":"Missing Authentication Token"}`},
		"a wrong key":                    {"prod", sandbox.Request{Method: "GET", Path: "/x", Headers: map[string]string{"X-Api-Key": "nope"}}, 403, `{"message":"Forbidden"}`},
		"the root's key header any case": {"prod", sandbox.Request{Method: "DELETE", Path: "/", Headers: map[string]string{"X-API-KEY": key["x-api-key"]}}, 200, `"method":"DELETE"`},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := sb.Invoke(res.RestAPIID, c.stage, c.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status || !strings.Contains(resp.Body, c.body) {
				t.Errorf("%s %s = %d %s, log %q; want %d with %s", c.req.Method, c.req.Path, resp.Status, resp.Body, resp.Log, c.status, c.body)
			}
		})
	}
}

// With methods for some verbs only, a verb the API lacks answers 403 at the root and below.
func TestTheInvokeURLRefusesVerbsTheAPILacks(t *testing.T) {
	sb, _, res, _, _ := builtAPI(t, "../examples/demo.yaml")
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 200},
		{"PATCH", "/orders/1", 200},
		{"PUT", "/", 403},
		{"PUT", "/orders/1", 403},
	} {
		resp, err := sb.Invoke(res.RestAPIID, res.Stage, sandbox.Request{Method: c.method, Path: c.path})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != c.status {
			t.Errorf("%s %s = %d %s; want %d", c.method, c.path, resp.Status, resp.Body, c.status)
		}
	}
}

// A plan that reuses a load balancer must name a port it listens on: the integration URI
// calls that port only.
func TestAReusedLoadBalancerMustListenOnThePlansPort(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	first, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	nlb := awsops.ResourceName(first.Resources.LoadBalancerARN)
	for name, c := range map[string]struct {
		port    string
		wantErr string
	}{
		"a port without a listener is refused, naming the ports it has": {"port: 8080, ", "loadBalancer.port: load balancer " + nlb + " has no listener on port 8080; it listens on 80"},
		"no port means 80, where it listens":                            {"", ""},
		"port 80 is where it listens":                                   {"port: 80, ", ""},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := steps.ParsePlan("reuse", []byte("name: reuse\nvpc: prod-vpc\nloadBalancer: {"+c.port+"existing: "+nlb+"}\napi: {methods: [ANY]}\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = steps.Resolve(context.Background(), acct, p)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("resolve: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("resolve: %v; want %q", err, c.wantErr)
			}
		})
	}
}

// The AWS CLI script builds what apply builds: the URI on the plan's listener port, and the
// same methods on the root /.
func TestTheAWSCLIScriptPutsTheRootMethodsOnTheListenersPort(t *testing.T) {
	p := loadPlan(t, "../examples/api-key.yaml")
	cmds := steps.AWSCLI(p, nil, "us-east-1")
	count := func(f func(string) bool) int {
		n := 0
		for _, c := range cmds {
			if f(c) {
				n++
			}
		}
		return n
	}
	methods := count(func(c string) bool {
		return strings.Contains(c, "apigateway put-method ") && strings.Contains(c, "--http-method ANY")
	})
	proxy := count(func(c string) bool {
		return strings.Contains(c, "apigateway put-integration ") && strings.Contains(c, "http://${stageVariables.VPCNLB}:8080/{proxy}")
	})
	root := count(func(c string) bool {
		return strings.Contains(c, "apigateway put-integration ") && regexp.MustCompile(`http://\$\{stageVariables\.VPCNLB\}:8080/(['" ]|$)`).MatchString(c)
	})
	if methods != 2 || proxy != 1 || root != 1 {
		t.Errorf("ANY methods %d, /{proxy+} integrations on 8080 %d, / integrations on 8080 %d; want 2, 1, 1:\n%s", methods, proxy, root, strings.Join(cmds, "\n"))
	}
}

// Adding to an API whose / has methods already says that those stay as they are.
func TestResolveWarnsOfAReusedAPIsRootMethods(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	first, err := apply(t, acct, nil, loadPlan(t, "../examples/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := steps.ParsePlan("reuse", []byte("name: reuse\nvpc: prod-vpc\nloadBalancer: {existing: "+
		awsops.ResourceName(first.Resources.LoadBalancerARN)+"}\napi: {existing: "+first.Resources.RestAPIID+", methods: [ANY]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := steps.Resolve(context.Background(), acct, p)
	if err != nil {
		t.Fatal(err)
	}
	want := "API " + first.Resources.RestAPIID + " already has / with DELETE, GET, PATCH, POST"
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Errorf("warnings = %q; want one starting %q", res.Warnings, want)
	}
}
