// Telegram update JSON as Telegram sends it, for the bot's tests and the
// terminal chat. Every update gets a new update_id unless one is given.
let nextUpdateId = 500_000 + Math.floor(Math.random() * 1000) * 1000;
let nextMessageId = 1;

export const newUpdateId = () => ++nextUpdateId;

const user = (chatId: number, name = 'Tester') => ({ id: chatId, is_bot: false, first_name: name, language_code: 'zh-hans' });
const privateChat = (chatId: number) => ({ id: chatId, type: 'private' as const, first_name: 'Tester' });

function message(chatId: number, extra: Record<string, unknown>) {
  return {
    update_id: newUpdateId(),
    message: { message_id: ++nextMessageId, date: Math.floor(Date.now() / 1000), chat: privateChat(chatId), from: user(chatId), ...extra },
  };
}

export const text = (chatId: number, body: string) =>
  message(chatId, body.startsWith('/') ? { text: body, entities: [{ type: 'bot_command', offset: 0, length: body.split(' ')[0]!.length }] } : { text: body });

/** A pressed button; `messageId` is the message it is on (a made-up one when not given). */
export const callback = (chatId: number, data: string, messageId = ++nextMessageId) => ({
  update_id: newUpdateId(),
  callback_query: {
    id: `cq-${nextUpdateId}`,
    from: user(chatId),
    chat_instance: `ci-${chatId}`,
    data,
    message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: privateChat(chatId), text: '…' },
  },
});

export const contact = (chatId: number, phone: string, own = true) =>
  message(chatId, { contact: { phone_number: phone, first_name: 'Tester', user_id: own ? chatId : chatId + 1 } });

export const location = (chatId: number, lat: number, lon: number) => message(chatId, { location: { latitude: lat, longitude: lon } });

export const sticker = (chatId: number) =>
  message(chatId, {
    sticker: { file_id: 'sticker-file', file_unique_id: 'u1', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false },
  });

export const photo = (chatId: number) =>
  message(chatId, { photo: [{ file_id: 'photo-file', file_unique_id: 'p1', width: 90, height: 90 }] });

export const edited = (chatId: number, body: string) => ({
  update_id: newUpdateId(),
  edited_message: { message_id: ++nextMessageId, date: Math.floor(Date.now() / 1000), edit_date: Math.floor(Date.now() / 1000), chat: privateChat(chatId), from: user(chatId), text: body },
});

export const groupText = (chatId: number, fromId: number, body: string) => ({
  update_id: newUpdateId(),
  message: {
    message_id: ++nextMessageId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type: 'group', title: 'Village group' },
    from: user(fromId),
    text: body,
    ...(body.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: body.split(' ')[0]!.length }] } : {}),
  },
});

export const blocked = (chatId: number) => ({
  update_id: newUpdateId(),
  my_chat_member: {
    chat: privateChat(chatId),
    from: user(chatId),
    date: Math.floor(Date.now() / 1000),
    old_chat_member: { status: 'member', user: { id: 1, is_bot: true, first_name: 'Jiujin' } },
    new_chat_member: { status: 'kicked', until_date: 0, user: { id: 1, is_bot: true, first_name: 'Jiujin' } },
  },
});

export const voice = (chatId: number) =>
  message(chatId, { voice: { file_id: 'voice-file', file_unique_id: 'v1', duration: 4, mime_type: 'audio/ogg' } });

/** A message from another bot in a private chat. */
export const fromBot = (chatId: number, body: string) => ({
  update_id: newUpdateId(),
  message: { message_id: ++nextMessageId, date: Math.floor(Date.now() / 1000), chat: privateChat(chatId), from: { id: chatId, is_bot: true, first_name: 'OtherBot' }, text: body },
});

export const inlineQuery = (fromId: number) => ({
  update_id: newUpdateId(),
  inline_query: { id: `iq-${nextUpdateId}`, from: user(fromId), query: 'work', offset: '' },
});

/** The bot added to a group. */
export const addedToGroup = (groupId: number, byId: number) => ({
  update_id: newUpdateId(),
  my_chat_member: {
    chat: { id: groupId, type: 'group', title: 'Village group' },
    from: user(byId),
    date: Math.floor(Date.now() / 1000),
    old_chat_member: { status: 'left', user: { id: 1, is_bot: true, first_name: 'Jiujin' } },
    new_chat_member: { status: 'member', user: { id: 1, is_bot: true, first_name: 'Jiujin' } },
  },
});
