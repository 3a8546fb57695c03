//! The hickory-server engine answers through the same `respond()` as the native one.

use crate::support::*;

#[test]
fn hickory_engine_serves_the_same_answers() {
    let zone = example_zone();
    let database = repo().join("geoip/example-city.mmdb");
    let config = format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nengine = \"hickory\"\nidentity = \"ns1.example.com\"\n\
         [geoip]\ndatabase = \"{}\"\n[zones]\n\"example.com.\" = \"example.com.zone\"\n\
         [datacenters]\nams = {{}}\niad = {{}}\n\
         [[services]]\nname = \"www.example.com.\"\npolicy = \"geo\"\n\
         targets = [{{ datacenter = \"ams\", address = \"192.0.2.10\" }}, {{ datacenter = \"iad\", address = \"198.51.100.10\" }}]\n\
         [services.geo]\n\"continent:EU\" = [\"ams\"]\ndefault = [\"iad\"]\n",
        database.display()
    );
    let server = Server::start(&config, &[("example.com.zone", zone.as_str())]);
    let positive = server.ask("MAIL.example.com", "A");
    assert!(positive.aa());
    assert_eq!(positive.question_wire(), &wire_name("MAIL.example.com")[..]);
    assert_eq!(
        positive.answers(),
        vec!["mail.example.com. 3600 in a 192.0.2.25"]
    );
    let nx = server.ask("nothing.example.com", "A");
    assert_eq!(nx.rcode(), 3);
    assert_eq!(nx.authority().len(), 1);
    let query = QueryBuilder::new("www.example.com", "A").client_subnet("192.0.2.0/24");
    let steered = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(steered.answer_data(), vec!["192.0.2.10"]);
    assert_eq!(steered.option(8).map(|d| d[3]), Some(24));
    let tcp = server.ask_tcp("example.com", "NS");
    assert_eq!(tcp.answers().len(), 2);
    assert!(server.stop().success());
}
