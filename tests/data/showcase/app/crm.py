import time

import httpx
import requests


def save_tokens(db, tokens):
    db.table("connections").insert(
        {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"], "expires_at": tokens["expires_at"]}
    ).execute()


async def push_contact(contact: dict):
    async with httpx.AsyncClient() as client:
        return await client.post("https://crm.example.com/contacts", json=contact)


def legacy_lookup(email: str):
    time.sleep(0.1)
    return requests.get("https://crm.example.com/lookup", params={"email": email}, verify=False).json()
