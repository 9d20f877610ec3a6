# The seed's consumer, as the tutorial writes it: every socket joins one
# group; whatever a socket sends is relayed to the whole group.
from channels.generic.websocket import AsyncWebsocketConsumer


class SportsUpdatesConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_name = "sports_updates"
        self.room_group_name = "sports_updates_group"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "send_updates", "data": text_data}
        )

    async def send_updates(self, event):
        await self.send(text_data=event["data"])
