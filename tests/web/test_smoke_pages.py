def test_pages(client, desk):
    client.force_login(desk.manager)
    for url in [
        "/queue/mine/",
        "/queue/team/",
        "/queue/all/",
        f"/tickets/{desk.tickets[0].pk}/",
        "/dashboard/",
        "/export/tickets.csv?view=all",
        "/export/responses.csv",
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
    client.force_login(desk.agent)
    for url in ["/queue/mine/", "/queue/team/", f"/tickets/{desk.tickets[0].pk}/"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
    print(client.get("/queue/team/").content.decode()[-4000:])
