package tcclient

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

// The request and expected values are the protocol examples in the Hawk README.
var hawkExample = hawkRequest{
	Method:    "GET",
	Resource:  "/resource/1?b=1&a=2",
	Host:      "example.com",
	Port:      "8000",
	Ext:       "some-app-ext-data",
	Timestamp: 1353832234,
	Nonce:     "j4h3g2",
}

const hawkExampleKey = "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn"

func TestHawkMACWithoutPayload(t *testing.T) {
	got := hawkExample.mac(hawkExampleKey)
	if want := "6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE="; got != want {
		t.Fatalf("mac = %q, want %q", got, want)
	}
}

func TestHawkMACWithPayload(t *testing.T) {
	request := hawkExample
	request.Method = "POST"
	request.PayloadHash = hawkPayloadHash("text/plain; charset=utf-8", []byte("Thank you for flying Hawk"))
	if want := "Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY="; request.PayloadHash != want {
		t.Fatalf("payload hash = %q, want %q", request.PayloadHash, want)
	}
	got := request.header("dh37fgj492je", hawkExampleKey)
	want := `Hawk id="dh37fgj492je", ts="1353832234", nonce="j4h3g2", ` +
		`hash="Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=", ext="some-app-ext-data", ` +
		`mac="aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw="`
	if got != want {
		t.Fatalf("header = %s\nwant       %s", got, want)
	}
}

func TestHawkExtCarriesCertificateAndScopes(t *testing.T) {
	credentials := &Credentials{
		ClientID:         "tester",
		AccessToken:      "no-secret",
		Certificate:      `{"version":1,"scopes":["a"]}`,
		AuthorizedScopes: []string{"b"},
	}
	ext, err := credentials.ext()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := base64.StdEncoding.DecodeString(ext)
	if err != nil {
		t.Fatal(err)
	}
	var fields struct {
		Certificate      map[string]any `json:"certificate"`
		AuthorizedScopes []string       `json:"authorizedScopes"`
	}
	if err := json.Unmarshal(decoded, &fields); err != nil {
		t.Fatal(err)
	}
	if fields.Certificate["version"] != 1.0 || len(fields.AuthorizedScopes) != 1 || fields.AuthorizedScopes[0] != "b" {
		t.Fatalf("ext = %s", decoded)
	}
}

func TestHawkExtEmptyForPermanentCredentials(t *testing.T) {
	ext, err := (&Credentials{ClientID: "tester", AccessToken: "no-secret"}).ext()
	if err != nil || ext != "" {
		t.Fatalf("ext = %q, %v; want empty", ext, err)
	}
}

func TestHawkExtRejectsInvalidCertificate(t *testing.T) {
	if _, err := (&Credentials{ClientID: "tester", Certificate: "{not json"}).ext(); err == nil {
		t.Fatal("expected an error for a certificate that is not JSON")
	}
}
