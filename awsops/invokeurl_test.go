package awsops

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// A request to an invoke URL carries the API key, or a SigV4 signature for execute-api with
// the session token, as API Gateway wants them; API Gateway's own answers are told from the
// service's by x-amzn-ErrorType.
func TestCallInvokeURLSendsTheKeyOrSignsAsAPIGatewayWants(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		if r.Header.Get("x-api-key") == "" && r.Header.Get("Authorization") == "" {
			w.Header().Set("x-amzn-ErrorType", "MissingAuthenticationTokenException")
			w.WriteHeader(403)
			w.Write([]byte(`{"message":"Missing Authentication Token"}`))
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")}
	a := FromConfig(cfg, "", "")
	if !a.CanCallInvokeURL() || FromConfig(cfg, "http://localhost:5000", "").CanCallInvokeURL() {
		t.Fatal("invoke URLs are reachable on AWS only, not through an emulator's endpoint")
	}
	ctx := context.Background()

	ans, err := a.CallInvokeURL(ctx, "GET", srv.URL+"/dev/", "the-key", false)
	if err != nil || ans.Status != 200 || ans.ErrorType != "" || got.Header.Get("x-api-key") != "the-key" || got.Header.Get("Authorization") != "" {
		t.Errorf("with a key: %+v, %v, headers %v", ans, err, got.Header)
	}
	ans, err = a.CallInvokeURL(ctx, "GET", srv.URL+"/dev/health", "", true)
	auth := got.Header.Get("Authorization")
	if err != nil || ans.Status != 200 || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
		!strings.Contains(auth, "/eu-west-1/execute-api/aws4_request") || got.Header.Get("X-Amz-Security-Token") != "session-token" {
		t.Errorf("signed: %+v, %v, Authorization %q, headers %v", ans, err, auth, got.Header)
	}
	ans, err = a.CallInvokeURL(ctx, "GET", srv.URL+"/dev/", "", false)
	if err != nil || ans.Status != 403 || ans.ErrorType != "MissingAuthenticationTokenException" {
		t.Errorf("unauthorized: %+v, %v; want API Gateway's 403 with its error type", ans, err)
	}
}
